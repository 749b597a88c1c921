package org.mailseal.imap;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Where and how to reach the real IMAP server.
 *
 * @param tls                 how the link is encrypted; with STARTTLS a server that does not offer it is an error, never
 *                            a silent downgrade
 * @param sslContext          client context: trust store and, unless configured insecure, hostname verification
 * @param allowPlaintextLogin relay LOGIN over an unencrypted link (DESIGN.md invariant 5: only by explicit choice)
 * @param maxMessageBytes     the largest message the proxy takes from the server (a larger literal ends the session)
 * @param onConnect           called as each upstream connection is set up, with the client's channel and the new one,
 *                            before any handler of the protocol: it may add handlers in front (the PROXY protocol
 *                            header that an upstream behind a load balancer expects); null for none
 */
public record ImapUpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean allowPlaintextLogin,
                                 int maxMessageBytes, Duration connectTimeout, Duration commandTimeout,
                                 BiConsumer<Channel, SocketChannel> onConnect) {

    public enum TlsMode { NONE, STARTTLS, IMPLICIT }

    public ImapUpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean allowPlaintextLogin,
            int maxMessageBytes, Duration connectTimeout, Duration commandTimeout) {
        this(host, port, tls, sslContext, allowPlaintextLogin, maxMessageBytes, connectTimeout, commandTimeout, null);
    }

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
                commandTimeout, onConnect);
    }

    public ImapUpstreamConfig withOnConnect(BiConsumer<Channel, SocketChannel> hook) {
        return new ImapUpstreamConfig(host, port, tls, sslContext, allowPlaintextLogin, maxMessageBytes, connectTimeout,
                commandTimeout, hook);
    }
}
