package org.mailseal.smtp;

import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Where and how to reach the real MTA or mail store.
 *
 * @param tls                how the link is encrypted; with STARTTLS an upstream that does not offer it is an error,
 *                           never a silent downgrade
 * @param sslContext         client context: trust store and, unless configured insecure, hostname verification
 * @param lmtp               speak LMTP (RFC 2033: LHLO, one reply per recipient after DATA)
 * @param heloName           the name mailseal gives in EHLO/LHLO
 * @param allowPlaintextAuth relay AUTH over an unencrypted link (DESIGN.md invariant 5: only by explicit choice)
 * @param onConnect          called as each upstream connection is set up, with the client's channel and the new one,
 *                           before any handler of the protocol: it may add handlers in front (the PROXY protocol
 *                           header that an upstream behind a load balancer expects); null for none
 */
public record UpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean lmtp, String heloName,
                             boolean allowPlaintextAuth, Duration connectTimeout, Duration commandTimeout,
                             Duration dataTimeout, BiConsumer<Channel, SocketChannel> onConnect) {

    public enum TlsMode { NONE, STARTTLS, IMPLICIT }

    public UpstreamConfig(String host, int port, TlsMode tls, SslContext sslContext, boolean lmtp, String heloName,
                          boolean allowPlaintextAuth, Duration connectTimeout, Duration commandTimeout,
                          Duration dataTimeout) {
        this(host, port, tls, sslContext, lmtp, heloName, allowPlaintextAuth, connectTimeout, commandTimeout,
                dataTimeout, null);
    }

    public UpstreamConfig {
        if (tls != TlsMode.NONE && sslContext == null) {
            throw new IllegalArgumentException("upstream TLS mode " + tls + " needs an SSL context");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("upstream port out of range: " + port);
        }
    }

    /** Plain SMTP with RFC 5321's timeouts (5 minutes per command, 10 for the final reply to DATA). */
    public static UpstreamConfig plain(String host, int port, String heloName) {
        return new UpstreamConfig(host, port, TlsMode.NONE, null, false, heloName, false, Duration.ofSeconds(30),
                Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    public UpstreamConfig withPlaintextAuth(boolean value) {
        return new UpstreamConfig(host, port, tls, sslContext, lmtp, heloName, value, connectTimeout, commandTimeout,
                dataTimeout, onConnect);
    }

    public UpstreamConfig withTls(TlsMode mode, SslContext context) {
        return new UpstreamConfig(host, port, mode, context, lmtp, heloName, allowPlaintextAuth, connectTimeout,
                commandTimeout, dataTimeout, onConnect);
    }

    public UpstreamConfig withTimeouts(Duration connect, Duration command, Duration data) {
        return new UpstreamConfig(host, port, tls, sslContext, lmtp, heloName, allowPlaintextAuth, connect, command, data,
                onConnect);
    }

    public UpstreamConfig withOnConnect(BiConsumer<Channel, SocketChannel> hook) {
        return new UpstreamConfig(host, port, tls, sslContext, lmtp, heloName, allowPlaintextAuth, connectTimeout,
                commandTimeout, dataTimeout, hook);
    }
}
