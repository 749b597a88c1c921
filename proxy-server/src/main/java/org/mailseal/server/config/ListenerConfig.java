package org.mailseal.server.config;

import io.netty.handler.ssl.SslContext;
import java.util.Set;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * One listening port: its role, its TLS (already loaded), and the upstream it relays to.
 *
 * @param tls the server TLS context for STARTTLS or implicit TLS; null for none
 */
public record ListenerConfig(String name, SmtpSessionConfig.Role role, String host, int port, String hostname,
                             SslContext tls, boolean implicitTls, boolean authWithoutTls, Set<String> localDomains,
                             UpstreamConfig upstream) {
    public ListenerConfig {
        localDomains = Set.copyOf(localDomains);
    }
}
