package org.mailseal.pop3;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Where and how to reach the real POP3 server.
 *
 * @param tls                 how the link is encrypted; with STLS a server that does not offer it is an error, never a
 *                            silent downgrade
 * @param sslContext          client context: trust store and, unless configured insecure, hostname verification
 * @param allowPlaintextLogin relay USER/PASS or AUTH over an unencrypted link (DESIGN.md invariant 5: only by explicit
 *                            choice)
 * @param maxMessageBytes     the largest multi-line response (a message, as stored and dot-stuffed) the proxy takes
 *                            from the server; a larger one ends the session
 * @param commandTimeout      how long the server may take to answer one command
 * @param onConnect           called as each upstream connection is set up, with the client's channel and the new one,
 *                            before any handler of the protocol: it may add handlers in front (the PROXY protocol
 *                            header that an upstream behind a load balancer expects); null for none
 */
public record Pop3UpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean allowPlaintextLogin,
                                 int maxMessageBytes, Duration connectTimeout, Duration commandTimeout,
                                 BiConsumer<Channel, SocketChannel> onConnect) {

    public enum TlsMode { NONE, STLS, IMPLICIT }

    public Pop3UpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean allowPlaintextLogin,
            int maxMessageBytes, Duration connectTimeout, Duration commandTimeout) {
        this(host, port, tls, sslContext, allowPlaintextLogin, maxMessageBytes, connectTimeout, commandTimeout, null);
    }

    public Pop3UpstreamConfig {
        if (tls != TlsMode.NONE && sslContext == null) {
            throw new IllegalArgumentException("upstream TLS mode " + tls + " needs an SSL context");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("upstream port out of range: " + port);
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes below 1 KiB: " + maxMessageBytes);
        }
    }

    /** An unencrypted upstream (loopback tests and the demo), plaintext login allowed. */
    public static Pop3UpstreamConfig plain(String host, int port) {
        return new Pop3UpstreamConfig(host, port, TlsMode.NONE, null, true, 64 << 20, Duration.ofSeconds(30),
                Duration.ofMinutes(5));
    }

    public Pop3UpstreamConfig withTls(TlsMode mode, SslContext context, boolean plaintextLogin) {
        return new Pop3UpstreamConfig(host, port, mode, context, plaintextLogin, maxMessageBytes, connectTimeout,
                commandTimeout, onConnect);
    }

    public Pop3UpstreamConfig withCommandTimeout(Duration timeout) {
        return new Pop3UpstreamConfig(host, port, tls, sslContext, allowPlaintextLogin, maxMessageBytes, connectTimeout,
                timeout, onConnect);
    }

    public Pop3UpstreamConfig withOnConnect(BiConsumer<Channel, SocketChannel> hook) {
        return new Pop3UpstreamConfig(host, port, tls, sslContext, allowPlaintextLogin, maxMessageBytes, connectTimeout,
                commandTimeout, hook);
    }
}
