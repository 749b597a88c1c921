package org.mailseal.imap;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;

/**
 * Where and how to reach the real IMAP server.
 *
 * @param tls                 how the link is encrypted; with STARTTLS a server that does not offer it is an error, never
 *                            a silent downgrade
 * @param sslContext          client context: trust store and, unless configured insecure, hostname verification
 * @param allowPlaintextLogin relay LOGIN over an unencrypted link (DESIGN.md invariant 5: only by explicit choice)
 * @param maxMessageBytes     the largest message the proxy takes from the server (a larger literal ends the session)
 */
public record ImapUpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean allowPlaintextLogin,
                                 int maxMessageBytes, Duration connectTimeout, Duration commandTimeout) {

    public enum TlsMode { NONE, STARTTLS, IMPLICIT }

    public ImapUpstreamConfig {
        if (tls != TlsMode.NONE && sslContext == null) {
            throw new IllegalArgumentException("upstream TLS mode " + tls + " needs an SSL context");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("upstream port out of range: " + port);
        }
    }

    /** An unencrypted upstream (loopback tests and the demo), plaintext LOGIN allowed. */
    public static ImapUpstreamConfig plain(String host, int port) {
        return new ImapUpstreamConfig(host, port, TlsMode.NONE, null, true, 64 << 20, Duration.ofSeconds(30),
                Duration.ofMinutes(5));
    }

    public ImapUpstreamConfig withTls(TlsMode mode, SslContext context, boolean plaintextLogin) {
        return new ImapUpstreamConfig(host, port, mode, context, plaintextLogin, maxMessageBytes, connectTimeout,
                commandTimeout);
    }
}
