package org.mailseal.smtp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The upstream side of a session: an SMTP or LMTP client on the session's own event loop, one command at a time.
 * Connection trouble never throws: every pending and later command completes with a 4xx reply.
 */
public final class SmtpClient extends SimpleChannelInboundHandler<SmtpReply> implements Upstream {
    private static final SmtpReply LOST = SmtpReply.of(421, "4.4.2", "Upstream connection lost");
    private static final SmtpReply TIMEOUT = SmtpReply.of(451, "4.4.2", "Upstream timed out");

    private final UpstreamConfig config;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private Channel channel;
    private Set<String> extensions = Set.of();
    private boolean tlsActive;
    private boolean closed;
    /** The transaction the client opened live (MAIL and the accepted RCPTs), which a matching copy can reuse. */
    private String liveReversePath;
    private final List<String> liveRecipients = new ArrayList<>();

    private record Pending(CompletableFuture<SmtpReply> reply, ScheduledFuture<?> timeout) {}

    private SmtpClient(UpstreamConfig config) {
        this.config = config;
    }

    /** Opens upstream connections as configured. */
    public static Upstream.Connector connector(UpstreamConfig config, Class<? extends SocketChannel> channelType) {
        return clientChannel -> new SmtpClient(config).connect(clientChannel, channelType);
    }

    // ------------------------------------------------------------------ connecting

    private CompletionStage<Connected> connect(Channel clientChannel, Class<? extends SocketChannel> channelType) {
        CompletableFuture<Connected> result = new CompletableFuture<>();
        SmtpClient client = this;
        Bootstrap bootstrap = new Bootstrap().group(clientChannel.eventLoop()).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (config.onConnect() != null) {
                            config.onConnect().accept(clientChannel, ch);
                        }
                        if (config.tls() == UpstreamConfig.TlsMode.IMPLICIT) {
                            ch.pipeline().addLast("tls", tlsHandler(ch));
                        }
                        ch.pipeline().addLast("replies", new ReplyDecoder()).addLast("client", client);
                    }
                });
        // The greeting is the answer to connecting.
        CompletableFuture<SmtpReply> greeting = expect(config.commandTimeout());
        ChannelFuture connecting = bootstrap.connect(config.host(), config.port());
        channel = connecting.channel();
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                fail(result, "cannot connect to " + config.host() + ":" + config.port());
                return;
            }
            tlsActive = config.tls() == UpstreamConfig.TlsMode.IMPLICIT;
            greeting.thenCompose(reply -> {
                if (reply.code() != 220) {
                    return CompletableFuture.completedFuture(reply);
                }
                return hello();
            }).thenCompose(reply -> {
                if (!reply.positive() || config.tls() != UpstreamConfig.TlsMode.STARTTLS) {
                    return CompletableFuture.completedFuture(reply);
                }
                if (!extensions.contains("STARTTLS")) {
                    return CompletableFuture.completedFuture(
                            SmtpReply.of(421, "4.7.0", "Upstream does not offer STARTTLS; refusing to go on in plaintext"));
                }
                return startTls();
            }).whenComplete((reply, error) -> {
                if (error != null || !reply.positive()) {
                    fail(result, error != null ? "upstream session failed" : "upstream said: " + reply);
                } else {
                    result.complete(new Connected(this, null));
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

    private CompletableFuture<SmtpReply> hello() {
        String verb = config.lmtp() ? "LHLO " : "EHLO ";
        return command(verb + config.heloName()).thenCompose(reply -> {
            if (reply.positive()) {
                extensions = parseExtensions(reply);
                return CompletableFuture.completedFuture(reply);
            }
            if (config.lmtp() || !reply.permanentFailure()) {
                return CompletableFuture.completedFuture(reply);
            }
            extensions = Set.of();
            return command("HELO " + config.heloName()); // RFC 5321 §4.1.4: fall back for an old server
        });
    }

    private CompletableFuture<SmtpReply> startTls() {
        return command("STARTTLS").thenCompose(reply -> {
            if (reply.code() != 220) {
                return CompletableFuture.completedFuture(SmtpReply.of(421, "4.7.0", "Upstream refused STARTTLS: " + reply));
            }
            CompletableFuture<SmtpReply> secured = new CompletableFuture<>();
            SslHandler tls = tlsHandler(channel);
            channel.pipeline().addFirst("tls", tls);
            tls.handshakeFuture().addListener(handshake -> {
                if (!handshake.isSuccess()) {
                    secured.complete(SmtpReply.of(421, "4.7.0", "TLS with the upstream failed: certificate or protocol"));
                    channel.close();
                    return;
                }
                tlsActive = true;
                hello().whenComplete((again, error) -> secured.complete(error != null ? LOST : again));
            });
            return secured;
        });
    }

    private static Set<String> parseExtensions(SmtpReply ehlo) {
        Set<String> found = new LinkedHashSet<>();
        for (String line : ehlo.lines().subList(1, ehlo.lines().size())) {
            String keyword = line.trim().split(" ")[0].toUpperCase(Locale.ROOT);
            if (!keyword.isEmpty()) {
                found.add(keyword);
            }
        }
        return Collections.unmodifiableSet(found);
    }

    private void fail(CompletableFuture<Connected> result, String why) {
        closeChannel();
        result.complete(new Connected(null, SmtpReply.of(421, "4.4.1", why)));
    }

    // ------------------------------------------------------------------ Upstream

    @Override
    public Set<String> extensions() {
        return extensions;
    }

    @Override
    public CompletionStage<SmtpReply> authenticate(String user, String password) {
        if (!tlsActive && !config.allowPlaintextAuth()) {
            return CompletableFuture.completedFuture(
                    SmtpReply.of(454, "4.7.0", "Upstream link is not encrypted; credentials are not sent"));
        }
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        return command("AUTH PLAIN " + plain);
    }

    @Override
    public CompletionStage<SmtpReply> mail(String reversePath, Map<String, String> parameters) {
        liveReversePath = null;
        liveRecipients.clear();
        return command("MAIL FROM:<" + reversePath + ">" + parameterText(supported(parameters, -1))).thenApply(reply -> {
            if (reply.positive()) {
                liveReversePath = reversePath;
            }
            return reply;
        });
    }

    @Override
    public CompletionStage<SmtpReply> rcpt(String forwardPath, Map<String, String> parameters) {
        return command("RCPT TO:<" + forwardPath + ">" + parameterText(supported(parameters, -1))).thenApply(reply -> {
            if (reply.positive() && liveReversePath != null) {
                liveRecipients.add(forwardPath);
            }
            return reply;
        });
    }

    /**
     * Only the parameters whose extension the upstream announced (RFC 5321 §4.1.1.11: anything else may be
     * refused with 555). SIZE is the size of what is actually sent when that is known: an encrypted copy is larger
     * than what the client declared.
     */
    private Map<String, String> supported(Map<String, String> parameters, long actualSize) {
        Map<String, String> kept = new java.util.LinkedHashMap<>();
        parameters.forEach((keyword, value) -> {
            String extension = switch (keyword) {
                case "BODY" -> "8BITMIME";
                case "RET", "ENVID", "NOTIFY", "ORCPT" -> "DSN";
                default -> keyword; // SIZE, SMTPUTF8, AUTH
            };
            if (extensions.contains(extension)) {
                kept.put(keyword, keyword.equals("SIZE") && actualSize >= 0 ? String.valueOf(actualSize) : value);
            }
        });
        return kept;
    }

    @Override
    public CompletionStage<SmtpReply> rset() {
        liveReversePath = null;
        liveRecipients.clear();
        return command("RSET");
    }

    private static String parameterText(Map<String, String> parameters) {
        StringBuilder text = new StringBuilder();
        parameters.forEach((keyword, value) -> text.append(' ').append(keyword).append(value.isEmpty() ? "" : "=" + value));
        return text.toString();
    }

    @Override
    public CompletionStage<List<List<SmtpReply>>> deliver(List<OutboundCopy> copies) {
        CompletableFuture<List<List<SmtpReply>>> all = CompletableFuture.completedFuture(new ArrayList<>());
        // A first copy for exactly the live transaction's envelope goes straight to DATA on it (the common case:
        // one ciphertext for all recipients), saving RSET, MAIL and the RCPTs.
        boolean reuseLive = !copies.isEmpty() && copies.get(0).reversePath().equals(liveReversePath)
                && copies.get(0).recipients().stream().map(OutboundCopy.Recipient::address).toList().equals(liveRecipients);
        liveReversePath = null;
        liveRecipients.clear();
        for (OutboundCopy copy : copies) {
            boolean live = reuseLive && copy == copies.get(0);
            int count = copy.recipients().size();
            all = all.thenCompose(done -> (live ? data(copy.content(), count).thenApply(replies -> replies.size() == count
                    ? replies : Collections.nCopies(count, replies.get(0))) : deliverOne(copy))
                    .thenApply(replies -> {
                done.add(replies);
                return done;
            }));
        }
        return all;
    }

    /** RSET, MAIL, each RCPT, DATA, the content, and the final reply (one per accepted recipient over LMTP). */
    private CompletableFuture<List<SmtpReply>> deliverOne(OutboundCopy copy) {
        int count = copy.recipients().size();
        SmtpReply[] outcome = new SmtpReply[count];
        return command("RSET")
                .thenCompose(reset -> reset.positive() ? command("MAIL FROM:<" + copy.reversePath() + ">"
                        + parameterText(supported(copy.mailParameters(), copy.content().size())))
                        : CompletableFuture.completedFuture(reset))
                .thenCompose(mail -> {
                    if (!mail.positive()) {
                        java.util.Arrays.fill(outcome, mail);
                        return CompletableFuture.completedFuture(List.of(outcome));
                    }
                    CompletableFuture<List<Integer>> accepted = CompletableFuture.completedFuture(new ArrayList<>());
                    for (int i = 0; i < count; i++) {
                        int index = i;
                        OutboundCopy.Recipient recipient = copy.recipients().get(i);
                        accepted = accepted.thenCompose(list -> command("RCPT TO:<" + recipient.address() + ">"
                                + parameterText(supported(recipient.parameters(), -1))).thenApply(reply -> {
                                    if (reply.positive()) {
                                        list.add(index);
                                    } else {
                                        outcome[index] = reply;
                                    }
                                    return list;
                                }));
                    }
                    return accepted.thenCompose(list -> list.isEmpty()
                            ? CompletableFuture.completedFuture(List.of(outcome))
                            : data(copy.content(), list.size()).thenApply(replies -> {
                                for (int j = 0; j < list.size(); j++) {
                                    outcome[list.get(j)] = replies.get(Math.min(j, replies.size() - 1));
                                }
                                return List.of(outcome);
                            }));
                });
    }

    private CompletableFuture<List<SmtpReply>> data(MessageContent content, int acceptedRecipients) {
        return command("DATA").thenCompose(go -> {
            if (go.code() != 354) {
                return CompletableFuture.completedFuture(List.of(go));
            }
            // The final replies (one per accepted recipient over LMTP, RFC 2033 §4.2) are awaited from the start,
            // so that none can arrive before it is expected.
            int count = config.lmtp() ? acceptedRecipients : 1;
            List<CompletableFuture<SmtpReply>> replies = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                replies.add(expect(config.dataTimeout()));
            }
            CompletableFuture<Void> written = new CompletableFuture<>();
            try {
                new ContentWriter(content.open(), content.size(), written).writeMore();
            } catch (IOException e) {
                written.completeExceptionally(e);
            }
            return written.handle((ignored, error) -> error).thenCompose(error -> {
                if (error != null) {
                    closeChannel(); // half a message must never be taken for a whole one
                    return CompletableFuture.completedFuture(List.of(LOST));
                }
                return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
                        .thenApply(done -> replies.stream().map(CompletableFuture::join).toList());
            });
        });
    }

    /** Streams the content through the dot-stuffer, as fast as the socket takes it. */
    private final class ContentWriter {
        private final InputStream in;
        private final CompletableFuture<Void> done;
        private final DotStuffer stuffer = new DotStuffer();
        private final byte[] chunk;

        ContentWriter(InputStream in, long size, CompletableFuture<Void> done) {
            this.in = in;
            this.done = done;
            this.chunk = new byte[(int) Math.max(512, Math.min(1 << 16, size))]; // a small message, a small buffer
        }

        void writeMore() {
            try {
                while (channel.isActive()) {
                    int n = in.read(chunk);
                    if (n < 0) {
                        in.close();
                        channel.writeAndFlush(stuffer.end(channel.alloc())).addListener(f -> {
                            if (f.isSuccess()) {
                                done.complete(null);
                            } else {
                                done.completeExceptionally(f.cause());
                            }
                        });
                        return;
                    }
                    ChannelFuture write = channel.writeAndFlush(stuffer.stuff(chunk, 0, n, channel.alloc()));
                    if (!channel.isWritable()) {
                        write.addListener(f -> {
                            if (f.isSuccess()) {
                                writeMore();
                            } else {
                                done.completeExceptionally(f.cause());
                            }
                        });
                        return;
                    }
                }
                done.completeExceptionally(new IOException("upstream connection closed"));
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (channel != null && channel.isActive()) {
            command("QUIT").whenComplete((reply, error) -> closeChannel());
        }
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
        }
    }

    // ------------------------------------------------------------------ wire

    private CompletableFuture<SmtpReply> command(String line) {
        if (channel == null || !channel.isActive()) {
            return CompletableFuture.completedFuture(LOST);
        }
        CompletableFuture<SmtpReply> reply = expect(config.commandTimeout());
        channel.writeAndFlush(channel.alloc().buffer(line.length() + 2).writeBytes((line + "\r\n").getBytes(StandardCharsets.UTF_8)));
        return reply;
    }

    private CompletableFuture<SmtpReply> expect(Duration timeout) {
        CompletableFuture<SmtpReply> reply = new CompletableFuture<>();
        EventLoop loop = channel != null ? channel.eventLoop() : null;
        ScheduledFuture<?> timer = loop == null ? null : loop.schedule(() -> {
            if (reply.complete(TIMEOUT)) {
                closeChannel();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.add(new Pending(reply, timer));
        return reply;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SmtpReply reply) {
        Pending next = pending.poll();
        if (next == null) {
            ctx.close(); // an unsolicited reply: the conversation is out of step
            return;
        }
        if (next.timeout() != null) {
            next.timeout().cancel(false);
        }
        next.reply().complete(reply);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Pending next;
        while ((next = pending.poll()) != null) {
            if (next.timeout() != null) {
                next.timeout().cancel(false);
            }
            next.reply().complete(LOST);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
