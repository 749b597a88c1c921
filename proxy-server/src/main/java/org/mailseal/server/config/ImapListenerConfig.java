package org.mailseal.server.config;

import io.netty.handler.ssl.SslContext;
import java.util.Set;
import org.mailseal.imap.ImapUpstreamConfig;

/**
 * One IMAP listening port: its TLS (already loaded) and the IMAP server it stands in front of.
 *
 * @param tls             the server TLS context for STARTTLS or implicit TLS; null for none
 * @param loginWithoutTls  LOGIN before TLS (loopback and the demo only)
 * @param plaintextAppends mailboxes whose APPENDs are stored unencrypted (every other APPEND is encrypted)
 * @param loginDomain      appended to logins without "@" to find the user's keys; null: logins are addresses
 * @param options          the PROXY protocol and the idle timeout
 */
public record ImapListenerConfig(String name, String host, int port, String hostname, SslContext tls,
                                 boolean implicitTls, boolean loginWithoutTls, ImapUpstreamConfig upstream,
                                 Set<String> plaintextAppends, String loginDomain, ListenerOptions options) {
    public ImapListenerConfig {
        plaintextAppends = Set.copyOf(plaintextAppends);
    }

    public ImapListenerConfig(String name, String host, int port, String hostname, SslContext tls,
                              boolean implicitTls, boolean loginWithoutTls, ImapUpstreamConfig upstream) {
        this(name, host, port, hostname, tls, implicitTls, loginWithoutTls, upstream, Set.of(), null,
                ListenerOptions.DEFAULTS);
    }
}
