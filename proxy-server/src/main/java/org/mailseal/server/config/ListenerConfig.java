package org.mailseal.server.config;

import io.netty.handler.ssl.SslContext;
import java.util.Set;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * One listening port: its role, its TLS (already loaded), and the upstream it relays to.
 *
 * @param tls     the server TLS context for STARTTLS or implicit TLS; null for none
 * @param options the PROXY protocol and the idle timeout
 */
public record ListenerConfig(String name, SmtpSessionConfig.Role role, String host, int port, String hostname,
                             SslContext tls, boolean implicitTls, boolean authWithoutTls, Set<String> localDomains,
                             UpstreamConfig upstream, ListenerOptions options) {
    public ListenerConfig {
        localDomains = Set.copyOf(localDomains);
    }

    public ListenerConfig(String name, SmtpSessionConfig.Role role, String host, int port, String hostname,
                          SslContext tls, boolean implicitTls, boolean authWithoutTls, Set<String> localDomains,
                          UpstreamConfig upstream) {
        this(name, role, host, port, hostname, tls, implicitTls, authWithoutTls, localDomains, upstream,
                ListenerOptions.DEFAULTS);
    }
}
