package org.mailseal.imap;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The connection to the real IMAP server, on the client session's event loop. It checks the greeting (PREAUTH is
 * refused: the proxy must see the login), negotiates STARTTLS when configured (RFC 3501 §6.2.1, refusing a server
 * that sends anything after its OK before the handshake), learns the capabilities, and then hands every response
 * unit to its listener. Commands go out with their literals: non-synchronizing when the server has LITERAL+, else
 * each literal after the server's continuation request.
 */
final class ImapUpstream extends ChannelInboundHandlerAdapter {
    /** Receives what the server sends once the connection is ready. */
    interface Listener {
        /** One response (untagged, tagged or continuation); the listener releases it. */
        void upstreamUnit(ByteBuf unit);

        void upstreamClosed();
    }

    private final ImapUpstreamConfig config;
    private final Listener listener;
    private Channel channel;
    private ImapFrameDecoder decoder;
    private Set<String> capabilities = Set.of();
    private boolean tlsActive;
    private boolean ready;
    private int internalTags;
    // An internal command (during connecting, or between client commands) and what it collected.
    private String internalTag;
    private String internalCommand = "";
    private boolean extraAfterStartTls;
    private Consumer<ByteBuf> internalUntagged;
    private CompletableFuture<ByteBuf> internalDone;
    private io.netty.util.concurrent.ScheduledFuture<?> internalTimer;
    // Parts of a command still to send, each after a continuation request.
    private final ArrayDeque<ByteBuf> awaitingContinuation = new ArrayDeque<>();

    private ImapUpstream(ImapUpstreamConfig config, Listener listener) {
        this.config = config;
        this.listener = listener;
    }

    /** Connects on the client's event loop, so both sides of a session run on one thread. */
    static CompletionStage<ImapUpstream> connect(ImapUpstreamConfig config, Channel client,
                                                 Class<? extends SocketChannel> channelType, Listener listener) {
        return new ImapUpstream(config, listener).connect(client, channelType);
    }

    private CompletionStage<ImapUpstream> connect(Channel client, Class<? extends SocketChannel> channelType) {
        CompletableFuture<ImapUpstream> result = new CompletableFuture<>();
        ImapUpstream self = this;
        decoder = new ImapFrameDecoder(ImapFrameDecoder.Side.RESPONSES, 64 << 10, config.maxMessageBytes(),
                config.maxMessageBytes() + (1 << 20));
        Bootstrap bootstrap = new Bootstrap().group(client.eventLoop()).channel(channelType)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (config.onConnect() != null) {
                            config.onConnect().accept(client, ch);
                        }
                        if (config.tls() == ImapUpstreamConfig.TlsMode.IMPLICIT) {
                            ch.pipeline().addLast("tls", tlsHandler(ch));
                        }
                        ch.pipeline().addLast("frames", decoder).addLast("upstream", self);
                    }
                });
        internalTag = "";
        internalUntagged = ByteBuf::release;
        CompletableFuture<ByteBuf> greeting = internalDone = new CompletableFuture<>();
        ChannelFuture connecting = bootstrap.connect(config.host(), config.port());
        channel = connecting.channel();
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                result.completeExceptionally(new ImapUpstreamException("cannot connect to " + config.host() + ":"
                        + config.port()));
                return;
            }
            tlsActive = config.tls() == ImapUpstreamConfig.TlsMode.IMPLICIT;
            watchInternal(); // a server that never greets is closed after the command timeout
            greeting.thenCompose(unit -> {
                String line = firstLine(unit);
                unit.release();
                if (!line.regionMatches(true, 0, "* OK", 0, 4)) {
                    // PREAUTH would skip the login the proxy needs; BYE is a refusal.
                    throw new ImapUpstreamException("upstream greeting refused: " + sanitize(line));
                }
                capabilities = capabilityCode(line);
                if (config.tls() == ImapUpstreamConfig.TlsMode.STARTTLS) {
                    return startTls();
                }
                return CompletableFuture.completedFuture(null);
            }).thenCompose(ignored -> capabilities.isEmpty() || config.tls() == ImapUpstreamConfig.TlsMode.STARTTLS
                    ? refreshCapabilities() : CompletableFuture.completedFuture(null))
                    .whenComplete((ignored, error) -> {
                        if (error != null) {
                            channel.close();
                            Throwable cause = error.getCause() != null ? error.getCause() : error;
                            result.completeExceptionally(cause);
                        } else {
                            ready = true;
                            result.complete(this);
                        }
                    });
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
        if (!capabilities.isEmpty() && !capabilities.contains("STARTTLS")) {
            throw new ImapUpstreamException("upstream does not offer STARTTLS; refusing to go on in plaintext");
        }
        return internal("STARTTLS").thenCompose(units -> {
            String done = firstLine(units.get(units.size() - 1));
            boolean clean = units.size() == 1 && !extraAfterStartTls;
            release(units);
            if (!done.toUpperCase(Locale.ROOT).contains(" OK")) {
                throw new ImapUpstreamException("upstream refused STARTTLS");
            }
            if (!clean) {
                // RFC 3501 §6.2.1: nothing may follow the OK before the handshake; injected lines would be trusted.
                throw new ImapUpstreamException("upstream sent data after its STARTTLS reply");
            }
            SslHandler tls = tlsHandler(channel);
            channel.pipeline().addFirst("tls", tls);
            CompletableFuture<Void> shaken = new CompletableFuture<>();
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    tlsActive = true;
                    capabilities = Set.of(); // learnt again under TLS
                    decoder.resume();
                    shaken.complete(null);
                } else {
                    shaken.completeExceptionally(new ImapUpstreamException("TLS handshake with the upstream failed"));
                }
            });
            return shaken;
        });
    }

    /** Asks the server for its capabilities (after connecting, STARTTLS or login). */
    CompletionStage<Void> refreshCapabilities() {
        return internal("CAPABILITY").thenAccept(units -> {
            Set<String> found = new LinkedHashSet<>();
            for (ByteBuf unit : units) {
                String line = firstLine(unit);
                if (line.regionMatches(true, 0, "* CAPABILITY ", 0, 13)) {
                    found.addAll(words(line.substring(13)));
                }
            }
            release(units);
            capabilities = Set.copyOf(found);
        });
    }

    /** Sends a command of the proxy's own and collects every response up to its tagged completion. */
    CompletionStage<List<ByteBuf>> internal(String command) {
        List<ByteBuf> units = new ArrayList<>();
        return internal(command, units::add).thenApply(tagged -> {
            units.add(tagged);
            return units;
        });
    }

    /**
     * Sends a command of the proxy's own; its untagged responses (and any unsolicited ones meanwhile) go to
     * {@code untagged} as they arrive, which releases them; the tagged completion is the result. Only while no
     * command of the client's is outstanding.
     */
    CompletionStage<ByteBuf> internal(String command, Consumer<ByteBuf> untagged) {
        internalTag = "ms" + (++internalTags);
        internalCommand = command;
        internalUntagged = untagged;
        internalDone = new CompletableFuture<>();
        CompletableFuture<ByteBuf> done = internalDone;
        send(Unpooled.copiedBuffer(internalTag + " " + command + "\r\n", StandardCharsets.UTF_8));
        watchInternal();
        return done;
    }

    Set<String> capabilities() {
        return capabilities;
    }

    void capabilities(Set<String> learnt) {
        capabilities = Set.copyOf(learnt);
    }

    boolean tlsActive() {
        return tlsActive;
    }

    boolean isActive() {
        return channel != null && channel.isActive();
    }

    /** Stops reading from the server until {@link #resume()} (the client is not keeping up). */
    void pause() {
        decoder.pause();
    }

    void resume() {
        decoder.resume();
    }

    /**
     * Sends one whole command (as the frame decoder cut it, literals included); ownership passes here. With LITERAL+
     * every literal goes along at once; without it, the command stops after each literal announcement and goes on
     * when the server asks for more.
     */
    void send(ByteBuf command) {
        if (!channel.isActive()) {
            command.release();
            return;
        }
        boolean literalPlus = capabilities.contains("LITERAL+");
        List<ByteBuf> parts = LiteralSplitter.split(command, literalPlus);
        channel.write(parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
            awaitingContinuation.add(parts.get(i));
        }
        channel.flush();
    }

    void close() {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(Unpooled.copiedBuffer("ms0 LOGOUT\r\n", StandardCharsets.US_ASCII));
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ImapFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!(frame instanceof ImapFrame.Unit unit)) {
            // A response the proxy cannot frame: the stream is no longer trustworthy.
            ctx.close();
            return;
        }
        ByteBuf raw = unit.raw();
        if (!awaitingContinuation.isEmpty() && raw.getByte(raw.readerIndex()) == '+') {
            raw.release();
            channel.writeAndFlush(awaitingContinuation.poll());
            return;
        }
        if (internalDone != null) {
            watchInternal(); // progress
            String tag = unit.tag();
            if (tag.equals(internalTag) || (internalTag.isEmpty() && raw.getByte(raw.readerIndex()) == '*')) {
                if (internalCommand.equals("STARTTLS")) {
                    decoder.pause(); // nothing more is read in the clear
                    extraAfterStartTls = decoder.buffered() > 0;
                }
                CompletableFuture<ByteBuf> done = internalDone;
                internalDone = null;
                done.complete(raw);
            } else {
                internalUntagged.accept(raw);
            }
            return;
        }
        if (tagged(raw)) {
            awaitingContinuation.forEach(ByteBuf::release); // the server refused the command before its literal
            awaitingContinuation.clear();
        }
        listener.upstreamUnit(raw);
    }

    /** A command of the proxy's own must show progress within the command timeout, or the connection is closed. */
    private void watchInternal() {
        if (internalTimer != null) {
            internalTimer.cancel(false);
            internalTimer = null;
        }
        if (internalDone != null && channel != null) {
            internalTimer = channel.eventLoop().schedule(() -> {
                if (internalDone != null) {
                    channel.close(); // channelInactive fails the command and tells the session
                }
            }, config.commandTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        awaitingContinuation.forEach(ByteBuf::release);
        awaitingContinuation.clear();
        if (internalDone != null) {
            internalDone.completeExceptionally(new ImapUpstreamException("upstream connection lost"));
            internalDone = null;
        }
        if (ready) {
            listener.upstreamClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static boolean tagged(ByteBuf raw) {
        byte first = raw.getByte(raw.readerIndex());
        return first != '*' && first != '+';
    }

    static String firstLine(ByteBuf unit) {
        int lf = unit.indexOf(unit.readerIndex(), unit.writerIndex(), (byte) '\n');
        int end = lf < 0 ? unit.writerIndex() : lf;
        if (end > unit.readerIndex() && unit.getByte(end - 1) == '\r') {
            end--;
        }
        return unit.toString(unit.readerIndex(), end - unit.readerIndex(), StandardCharsets.ISO_8859_1);
    }

    /** The words of a [CAPABILITY ...] response code in a status line, upper-cased; empty without one. */
    static Set<String> capabilityCode(String line) {
        int start = line.toUpperCase(Locale.ROOT).indexOf("[CAPABILITY ");
        if (start < 0) {
            return Set.of();
        }
        int end = line.indexOf(']', start);
        return end < 0 ? Set.of() : Set.copyOf(words(line.substring(start + 12, end)));
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        for (String word : text.trim().split(" +")) {
            if (!word.isEmpty()) {
                words.add(word.toUpperCase(Locale.ROOT));
            }
        }
        return words;
    }

    private static void release(List<ByteBuf> units) {
        units.forEach(ByteBuf::release);
    }

    private static String sanitize(String line) {
        return line.replaceAll("[^\\x20-\\x7e]", "?").substring(0, Math.min(200, line.length()));
    }
}
