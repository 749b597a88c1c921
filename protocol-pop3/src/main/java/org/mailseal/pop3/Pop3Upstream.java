package org.mailseal.pop3;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The connection to the real POP3 server, on the client session's event loop. It checks the greeting, negotiates STLS
 * when configured (RFC 2595 §4, refusing a server that sends anything after its "+OK" before the handshake, which a
 * man in the middle could have injected), learns the capabilities (RFC 2449 CAPA), and then answers each command with
 * its response, in order. A server that takes longer than the command timeout, or sends what no command asked for,
 * loses the connection.
 */
final class Pop3Upstream extends ChannelInboundHandlerAdapter {
    private record Pending(boolean multiLine, CompletableFuture<Pop3Response> result) {}

    private final Pop3UpstreamConfig config;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private Channel channel;
    private Pop3ResponseDecoder decoder;
    /** CAPA's lines, upper-cased; empty when the server has no CAPA. */
    private Set<String> capabilities = Set.of();
    private boolean tlsActive;
    private ScheduledFuture<?> timer;
    private Runnable onClose = () -> { };

    private Pop3Upstream(Pop3UpstreamConfig config) {
        this.config = config;
    }

    /** Connects on the client's event loop, so both sides of a session run on one thread. */
    static CompletionStage<Pop3Upstream> connect(Pop3UpstreamConfig config, Channel client,
                                                 Class<? extends SocketChannel> channelType) {
        return new Pop3Upstream(config).connect(client, channelType);
    }

    private CompletionStage<Pop3Upstream> connect(Channel client, Class<? extends SocketChannel> channelType) {
        Pop3Upstream self = this;
        Bootstrap bootstrap = new Bootstrap().group(client.eventLoop()).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (config.onConnect() != null) {
                            config.onConnect().accept(client, ch);
                        }
                        if (config.tls() == Pop3UpstreamConfig.TlsMode.IMPLICIT) {
                            ch.pipeline().addLast("tls", tlsHandler(ch));
                        }
                        ch.pipeline().addLast("upstream", self);
                    }
                });
        CompletableFuture<Pop3Response> greeting = expect(false);
        ChannelFuture connecting = bootstrap.connect(config.host(), config.port());
        channel = connecting.channel();
        decoder = new Pop3ResponseDecoder(channel.alloc(), config.maxMessageBytes());
        CompletableFuture<Pop3Upstream> result = new CompletableFuture<>();
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                fail(new Pop3UpstreamException("cannot connect to " + config.host() + ":" + config.port()));
                return;
            }
            tlsActive = config.tls() == Pop3UpstreamConfig.TlsMode.IMPLICIT;
        });
        greeting.thenCompose(response -> {
            try {
                if (!response.ok()) {
                    throw new Pop3UpstreamException("upstream greeting refused: "
                            + Pop3ResponseDecoder.sanitize(response.status()));
                }
            } finally {
                response.release();
            }
            return config.tls() == Pop3UpstreamConfig.TlsMode.STLS ? startTls() : CompletableFuture.completedFuture(null);
        }).thenCompose(ignored -> refreshCapabilities()).whenComplete((ignored, error) -> {
            if (error != null) {
                close();
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                result.completeExceptionally(cause);
            } else {
                result.complete(this);
            }
        });
        return result;
    }

    private SslHandler tlsHandler(Channel ch) {
        SslHandler handler = config.sslContext().newHandler(ch.alloc(), config.host(), config.port());
        SSLEngine engine = handler.engine();
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // hostname verification (RFC 6125)
        engine.setSSLParameters(parameters);
        return handler;
    }

    private CompletionStage<Void> startTls() {
        // Asked whether the server offers STLS first: a server that does not is refused, never used in plaintext.
        return refreshCapabilities().thenCompose(ignored -> {
            if (!capabilities.isEmpty() && !has("STLS")) {
                throw new Pop3UpstreamException("upstream does not offer STLS; refusing to go on in plaintext");
            }
            return command("STLS", false);
        }).thenCompose(response -> {
            boolean ok = response.ok();
            response.release();
            if (!ok) {
                throw new Pop3UpstreamException("upstream refused STLS");
            }
            if (decoder.buffered() > 0) {
                // RFC 2595 §4: nothing may follow the "+OK" before the handshake; injected lines would be trusted.
                throw new Pop3UpstreamException("upstream sent data after its STLS reply");
            }
            SslHandler tls = tlsHandler(channel);
            channel.pipeline().addFirst("tls", tls);
            CompletableFuture<Void> shaken = new CompletableFuture<>();
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    tlsActive = true;
                    shaken.complete(null);
                } else {
                    shaken.completeExceptionally(new Pop3UpstreamException("TLS handshake with the upstream failed"));
                }
            });
            return shaken;
        });
    }

    /** Asks the server for its capabilities (after connecting, STLS or login; RFC 2449 §5). */
    CompletionStage<Void> refreshCapabilities() {
        return command("CAPA", true).thenAccept(response -> {
            try {
                Set<String> found = new LinkedHashSet<>();
                if (response.ok()) {
                    for (String line : response.lines()) {
                        found.add(line.trim().toUpperCase(Locale.ROOT));
                    }
                }
                capabilities = Set.copyOf(found);
            } finally {
                response.release();
            }
        });
    }

    /** Whether CAPA listed this capability (its first word, RFC 2449 §6). */
    boolean has(String capability) {
        for (String line : capabilities) {
            if (line.equals(capability) || line.startsWith(capability + " ")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the server answered CAPA at all. */
    boolean knowsCapabilities() {
        return !capabilities.isEmpty();
    }

    /** Whether SASL lists this mechanism (RFC 5034 §3). */
    boolean hasSasl(String mechanism) {
        for (String line : capabilities) {
            if (line.startsWith("SASL ") && java.util.Arrays.asList(line.substring(5).trim().split(" +"))
                    .contains(mechanism)) {
                return true;
            }
        }
        return false;
    }

    boolean tlsActive() {
        return tlsActive;
    }

    /** Called once when the connection ends, for whatever reason. */
    void onClose(Runnable action) {
        this.onClose = action;
    }

    /**
     * Sends one command line (without CRLF) and completes with its response, which the caller releases; fails when
     * the connection ends first. Commands are answered in the order sent.
     */
    CompletableFuture<Pop3Response> command(String line, boolean multiLine) {
        if (!channel.isActive()) {
            return CompletableFuture.failedFuture(new Pop3UpstreamException("upstream connection closed"));
        }
        CompletableFuture<Pop3Response> result = expect(multiLine);
        channel.writeAndFlush(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8));
        return result;
    }

    private CompletableFuture<Pop3Response> expect(boolean multiLine) {
        CompletableFuture<Pop3Response> result = new CompletableFuture<>();
        pending.add(new Pending(multiLine, result));
        if (timer == null && channel != null) {
            armTimer();
        }
        return result;
    }

    private void armTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = channel.eventLoop().schedule(() -> {
            fail(new Pop3UpstreamException("upstream did not answer within " + config.commandTimeout()));
            close();
        }, config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        armTimer(); // the greeting
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            decoder.feed(in);
        } finally {
            in.release();
        }
        try {
            Pop3Response response;
            while (!pending.isEmpty() && (response = decoder.next(pending.peek().multiLine())) != null) {
                Pending answered = pending.poll();
                if (pending.isEmpty()) {
                    timer.cancel(false);
                    timer = null;
                } else {
                    armTimer();
                }
                if (!answered.result().complete(response)) {
                    response.release();
                }
            }
            if (pending.isEmpty() && decoder.buffered() > 0 && channel.isActive()) {
                throw new Pop3UpstreamException("upstream sent what no command asked for");
            }
        } catch (Pop3UpstreamException e) {
            fail(e);
            close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new Pop3UpstreamException("upstream closed the connection"));
        if (decoder != null) {
            decoder.release();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        onClose.run();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(new Pop3UpstreamException("upstream connection failed: " + cause.getMessage()));
        ctx.close();
    }

    private void fail(Pop3UpstreamException error) {
        while (!pending.isEmpty()) {
            pending.poll().result().completeExceptionally(error);
        }
    }

    /** Ends the connection without QUIT: the server must not enter the UPDATE state (RFC 1939 §6) unless the client
     * said QUIT itself. */
    void close() {
        if (channel != null) {
            channel.close();
        }
    }
}
