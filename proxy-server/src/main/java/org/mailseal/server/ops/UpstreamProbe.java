package org.mailseal.server.ops;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.ssl.SslContext;
import org.mailseal.server.net.ProxyHeaderSender;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * Does an upstream server answer? Connects (with the TLS handshake first for an implicit-TLS upstream), reads the
 * greeting and checks that it is a ready one: SMTP/LMTP {@code 220} (RFC 5321 §4.2, RFC 2033), IMAP {@code * OK}
 * (RFC 9051 §7.1.1; {@code * PREAUTH} would do but is not expected of a server behind mailseal), POP3 {@code +OK}
 * (RFC 1939 §4). Then says goodbye politely and closes. A STARTTLS upstream is checked in the clear, before its
 * STARTTLS: the greeting shows that it answers. The greeting's text is never reported (it is the peer's).
 */
public final class UpstreamProbe implements HealthChecks.Probe {
    private final EventLoopGroup group;
    private final String host;
    private final int port;
    private final SslContext implicitTls;
    private final String ready;
    private final String goodbye;
    private final Duration timeout;
    private final HAProxyProtocolVersion proxyHeader;

    private UpstreamProbe(EventLoopGroup group, String host, int port, SslContext implicitTls, String ready,
                          String goodbye, Duration timeout, HAProxyProtocolVersion proxyHeader) {
        this.proxyHeader = proxyHeader;
        this.group = group;
        this.host = host;
        this.port = port;
        this.implicitTls = implicitTls;
        this.ready = ready;
        this.goodbye = goodbye;
        this.timeout = timeout;
    }

    public static UpstreamProbe smtp(EventLoopGroup group, UpstreamConfig upstream, Duration timeout) {
        return new UpstreamProbe(group, upstream.host(), upstream.port(),
                upstream.tls() == UpstreamConfig.TlsMode.IMPLICIT ? upstream.sslContext() : null, "220", "QUIT", timeout,
                ProxyHeaderSender.versionOf(upstream.onConnect()));
    }

    public static UpstreamProbe imap(EventLoopGroup group, ImapUpstreamConfig upstream, Duration timeout) {
        return new UpstreamProbe(group, upstream.host(), upstream.port(),
                upstream.tls() == ImapUpstreamConfig.TlsMode.IMPLICIT ? upstream.sslContext() : null, "* OK",
                "h LOGOUT", timeout, ProxyHeaderSender.versionOf(upstream.onConnect()));
    }

    public static UpstreamProbe pop3(EventLoopGroup group, Pop3UpstreamConfig upstream, Duration timeout) {
        return new UpstreamProbe(group, upstream.host(), upstream.port(),
                upstream.tls() == Pop3UpstreamConfig.TlsMode.IMPLICIT ? upstream.sslContext() : null, "+OK", "QUIT",
                timeout, ProxyHeaderSender.versionOf(upstream.onConnect()));
    }

    @Override
    public String check() throws Exception {
        CompletableFuture<String> greeting = new CompletableFuture<>();
        ChannelFuture connect = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (proxyHeader != null) {
                            // An upstream behind a balancer waits for a header before it greets: this one names
                            // the check's own connection (Dovecot answers no v1 "UNKNOWN" header).
                            ch.pipeline().addLast(HAProxyMessageEncoder.INSTANCE, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    ctx.writeAndFlush(ProxyHeaderSender.header(proxyHeader,
                                            (InetSocketAddress) ctx.channel().localAddress(),
                                            (InetSocketAddress) ctx.channel().remoteAddress()));
                                    ctx.pipeline().remove(this);
                                    ctx.fireChannelActive();
                                }
                            });
                        }
                        if (implicitTls != null) {
                            ch.pipeline().addLast(implicitTls.newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1024), new Greeting(greeting));
                    }
                })
                .connect(host, port);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                greeting.completeExceptionally(f.cause());
            }
        });
        try {
            String line = greeting.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!line.startsWith(ready)) {
                throw new IOException("the greeting is not " + ready);
            }
            return "greeting " + ready + (implicitTls != null ? " over TLS" : "");
        } catch (TimeoutException e) {
            throw new IOException("no greeting within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            connect.channel().close();
        }
    }

    /** Takes the first line, answers it with the goodbye, and closes. */
    private final class Greeting extends SimpleChannelInboundHandler<ByteBuf> {
        private final CompletableFuture<String> greeting;

        Greeting(CompletableFuture<String> greeting) {
            this.greeting = greeting;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            if (greeting.complete(line.toString(StandardCharsets.US_ASCII))) {
                ctx.writeAndFlush(Unpooled.copiedBuffer(goodbye + "\r\n", StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            greeting.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            greeting.completeExceptionally(new IOException("closed before a greeting"));
        }
    }
}
