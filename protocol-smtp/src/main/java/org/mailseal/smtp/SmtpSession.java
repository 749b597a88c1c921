package org.mailseal.smtp;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's SMTP (or LMTP) session: the state machine between the frame decoder and the upstream. It handles
 * one command at a time, in order, asking the decoder for the next frame only when the previous command has its
 * reply, so pipelined commands (RFC 2920) are answered in order and never read with the wrong framing. AUTH, MAIL
 * and RCPT are relayed live to the upstream; the content goes to a bounded spool and, at its end, through the
 * {@link MessageFilter} to the upstream as one transaction per copy. The client hears 250 only when every copy
 * was accepted; an upstream 5xx is passed back, anything else becomes 451.
 */
public final class SmtpSession extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("mailseal.smtp");

    private enum State { CONNECTING, READY, AUTH, DATA, BUSY, CLOSED }

    /** Every refused login gets this, whatever the server said: an unknown user looks like a wrong password. */
    private static final SmtpReply INVALID_CREDENTIALS = SmtpReply.of(535, "5.7.8", "Authentication credentials invalid");

    private final SmtpSessionConfig config;
    private final Upstream.Connector connector;
    private final MessageFilter filter;
    private final MessageSpool.Factory spools;
    private final SmtpFrameDecoder decoder;

    private ChannelHandlerContext ctx;
    private Upstream upstream;
    private State state = State.CONNECTING;
    private ScheduledFuture<?> timeout;
    private boolean tlsActive;
    private boolean helloSeen;
    private boolean extended;
    private String heloName = "unknown";
    private String authenticatedUser;
    private SaslExchange sasl;
    // The transaction.
    private String reversePath;
    private Map<String, String> mailParameters;
    private final List<OutboundCopy.Recipient> recipients = new ArrayList<>();
    private MessageSpool spool;
    private boolean spoolFull;

    public SmtpSession(SmtpSessionConfig config, Upstream.Connector connector, MessageFilter filter,
                       MessageSpool.Factory spools, SmtpFrameDecoder decoder) {
        this.config = config;
        this.connector = connector;
        this.filter = filter;
        this.spools = spools;
        this.decoder = decoder;
    }

    // ------------------------------------------------------------------ channel events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        tlsActive = config.implicitTls();
        connector.connect(ctx.channel()).whenCompleteAsync((connected, error) -> {
            if (state == State.CLOSED) {
                if (connected != null && connected.upstream() != null) {
                    connected.upstream().close();
                }
                return;
            }
            if (error != null || connected.upstream() == null) {
                // Why the upstream is unreachable stays in mailseal; the client only learns to come back later.
                closeWith(SmtpReply.of(421, "4.4.1", config.hostname() + " Service not available, try again later"));
                return;
            }
            upstream = connected.upstream();
            state = State.READY;
            reply(SmtpReply.of(220, null, config.hostname() + " ESMTP mailseal"));
            nextCommand();
        }, ctx.executor());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        cancelTimeout();
        resetTransaction(); // a client gone before the final dot causes nothing to be sent
        if (upstream != null) {
            upstream.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        cancelTimeout();
        if (msg instanceof SmtpFrame.Data data) {
            try {
                if (state == State.DATA && spool != null && !spoolFull && !spool.write(data.content())) {
                    spoolFull = true; // keep reading to the end; answer 552 then (RFC 1870 §6.3)
                }
            } finally {
                data.release();
            }
            armTimeout(config.dataTimeout());
        } else if (msg instanceof SmtpFrame.DataEnd end) {
            endOfData(end);
        } else if (msg instanceof SmtpFrame.LineTooLong) {
            reply(SmtpReply.of(500, "5.5.2", "Line too long"));
            nextCommand();
        } else if (msg instanceof SmtpFrame.Line line) {
            line(line.text());
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // TLS failures, resets: nothing useful to say to the client
    }

    // ------------------------------------------------------------------ commands

    private void line(String text) {
        if (state == State.AUTH) {
            saslStep(sasl.respond(text));
        } else {
            command(SmtpCommandParser.parse(text));
        }
    }

    private void command(SmtpCommand command) {
        SmtpReply refusal = refusalInThisState(command);
        if (refusal != null) {
            reply(refusal);
            nextCommand();
            return;
        }
        if (command instanceof SmtpCommand.Invalid invalid) {
            reply(invalid.reply());
            nextCommand();
        } else if (command instanceof SmtpCommand.Hello hello) {
            hello(hello);
        } else if (command instanceof SmtpCommand.StartTls) {
            startTls();
        } else if (command instanceof SmtpCommand.Auth auth) {
            auth(auth);
        } else if (command instanceof SmtpCommand.Mail mail) {
            mail(mail);
        } else if (command instanceof SmtpCommand.Rcpt rcpt) {
            rcpt(rcpt);
        } else if (command instanceof SmtpCommand.Data) {
            data();
        } else if (command instanceof SmtpCommand.Rset) {
            resetTransaction();
            await(upstream.rset(), upstreamReply -> replyAndContinue(SmtpReply.of(250, "2.0.0", "Reset")));
        } else if (command instanceof SmtpCommand.Noop) {
            replyAndContinue(SmtpReply.of(250, "2.0.0", "OK"));
        } else if (command instanceof SmtpCommand.Vrfy) {
            replyAndContinue(SmtpReply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
        } else if (command instanceof SmtpCommand.Help) {
            replyAndContinue(SmtpReply.of(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"));
        } else if (command instanceof SmtpCommand.Quit) {
            closeWith(SmtpReply.of(221, "2.0.0", config.hostname() + " closing connection"));
        }
    }

    /** The one place that says which command may come when (RFC 5321 §4.1.4; RFC 2033 §4.1 for LMTP). */
    private SmtpReply refusalInThisState(SmtpCommand command) {
        boolean lmtp = config.role() == SmtpSessionConfig.Role.INBOUND_LMTP;
        boolean inTransaction = reversePath != null;
        if (command instanceof SmtpCommand.Hello hello) {
            boolean lhlo = hello.kind() == SmtpCommand.Hello.Kind.LHLO;
            return lmtp == lhlo ? null : SmtpReply.of(500, "5.5.1", lmtp ? "Use LHLO" : "Use EHLO or HELO");
        }
        if (command instanceof SmtpCommand.StartTls) {
            if (config.tls() == null || tlsActive) {
                return SmtpReply.of(tlsActive ? 503 : 502, "5.5.1", tlsActive ? "TLS already active" : "STARTTLS not available");
            }
            return inTransaction ? SmtpReply.of(503, "5.5.1", "STARTTLS not allowed in a transaction") : null;
        }
        if (command instanceof SmtpCommand.Auth) {
            if (config.role() != SmtpSessionConfig.Role.SUBMISSION) {
                return SmtpReply.of(502, "5.5.1", "AUTH not available here");
            }
            if (!helloSeen || !extended) {
                return SmtpReply.of(503, "5.5.1", "Send EHLO first");
            }
            if (authenticatedUser != null) {
                return SmtpReply.of(503, "5.5.1", "Already authenticated");
            }
            if (inTransaction) {
                return SmtpReply.of(503, "5.5.1", "AUTH not allowed in a transaction");
            }
            return authAllowedHere() ? null
                    : SmtpReply.of(538, "5.7.11", "Encryption required for requested authentication mechanism");
        }
        if (command instanceof SmtpCommand.Mail) {
            if (!helloSeen) {
                return SmtpReply.of(503, "5.5.1", lmtp ? "Send LHLO first" : "Send EHLO first");
            }
            if (inTransaction) {
                return SmtpReply.of(503, "5.5.1", "Nested MAIL command");
            }
            if (config.role() == SmtpSessionConfig.Role.SUBMISSION && authenticatedUser == null) {
                return SmtpReply.of(530, "5.7.0", "Authentication required");
            }
            return null;
        }
        if (command instanceof SmtpCommand.Rcpt) {
            return inTransaction ? null : SmtpReply.of(503, "5.5.1", "Need MAIL before RCPT");
        }
        if (command instanceof SmtpCommand.Data) {
            if (!inTransaction) {
                return SmtpReply.of(503, "5.5.1", "Need MAIL before DATA");
            }
            return recipients.isEmpty() ? SmtpReply.of(554, "5.5.1", "No valid recipients") : null;
        }
        return null;
    }

    private boolean authAllowedHere() {
        return tlsActive || config.authWithoutTls();
    }

    private void hello(SmtpCommand.Hello hello) {
        resetTransaction();
        helloSeen = true;
        heloName = hello.domain();
        extended = hello.kind() != SmtpCommand.Hello.Kind.HELO;
        if (!extended) {
            replyAndContinue(SmtpReply.of(250, null, config.hostname()));
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(config.hostname());
        lines.addAll(extensions());
        replyAndContinue(new SmtpReply(250, null, lines));
    }

    /** What both sides support (RFC 5321 §4.1.1.1); SMTPUTF8 and DSN only when the upstream has them. */
    private List<String> extensions() {
        Set<String> upstreamHas = upstream.extensions();
        Set<String> offered = new LinkedHashSet<>();
        offered.add("PIPELINING");
        offered.add("SIZE " + config.maxMessageBytes());
        offered.add("8BITMIME");
        offered.add("ENHANCEDSTATUSCODES");
        if (upstreamHas.contains("SMTPUTF8")) {
            offered.add("SMTPUTF8");
        }
        if (upstreamHas.contains("DSN")) {
            offered.add("DSN");
        }
        if (config.tls() != null && !tlsActive) {
            offered.add("STARTTLS");
        }
        if (config.role() == SmtpSessionConfig.Role.SUBMISSION && authenticatedUser == null && authAllowedHere()) {
            offered.add("AUTH PLAIN LOGIN");
        }
        return List.copyOf(offered);
    }

    /** RFC 3207 §4.2: bytes pipelined after STARTTLS are thrown away, and the session starts over under TLS. */
    private void startTls() {
        SslHandler tls = config.tls().newHandler(ctx.alloc());
        reply(SmtpReply.of(220, "2.0.0", "Ready to start TLS"));
        ctx.flush(); // in the clear, before the handshake
        decoder.discardBuffered();
        ctx.pipeline().addFirst("tls", tls);
        tlsActive = true;
        helloSeen = false;
        extended = false;
        authenticatedUser = null;
        resetTransaction();
        state = State.BUSY;
        tls.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                state = State.READY;
                nextCommand();
            } else {
                ctx.close();
            }
        });
    }

    private void auth(SmtpCommand.Auth auth) {
        sasl = SaslExchange.forMechanism(auth.mechanism());
        if (sasl == null) {
            replyAndContinue(SmtpReply.of(504, "5.5.4", "Unrecognized authentication type"));
            return;
        }
        saslStep(sasl.start(auth.initialResponse()));
    }

    private void saslStep(SaslExchange.Step step) {
        if (step instanceof SaslExchange.Challenge challenge) {
            state = State.AUTH;
            replyAndContinue(challenge.reply());
            return;
        }
        sasl = null;
        state = State.READY;
        if (step instanceof SaslExchange.Credentials credentials) {
            authenticateUpstream(credentials.user(), credentials.password());
        } else {
            replyAndContinue(((SaslExchange.Failure) step).reply());
        }
    }

    private void authenticateUpstream(String user, String password) {
        LoginGuard guard = config.loginGuard();
        java.util.Optional<Duration> refusal = guard.refusal(ctx.channel(), user);
        if (refusal.isPresent()) {
            replyLater(INVALID_CREDENTIALS, refusal.get()); // the server has heard enough guesses
            return;
        }
        await(upstream.authenticate(user, password), upstreamReply -> {
            if (upstreamReply.code() == 235) {
                guard.succeeded(ctx.channel(), user);
                authenticatedUser = user;
                replyAndContinue(SmtpReply.of(235, "2.7.0", "Authentication successful"));
            } else if (upstreamReply.code() == 535) {
                replyLater(INVALID_CREDENTIALS, guard.failed(ctx.channel(), user));
            } else {
                // 530, 534, 538 and the like say the link or the mechanism, not the password, is wrong: a matter for
                // the administrator, not a guess to count.
                replyAndContinue(SmtpReply.of(454, "4.7.0", "Temporary authentication failure"));
            }
        });
    }

    /** Answers after {@code delay} (authentication throttling); the next command is read only then. */
    private void replyLater(SmtpReply reply, Duration delay) {
        if (delay.isZero()) {
            replyAndContinue(reply);
            return;
        }
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                replyAndContinue(reply);
            }
        }, delay.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void mail(SmtpCommand.Mail mail) {
        SmtpReply refusal = EsmtpParameters.checkMail(mail.parameters(), config.maxMessageBytes(), extended,
                upstream.extensions());
        if (refusal != null) {
            replyAndContinue(refusal);
            return;
        }
        await(upstream.mail(mail.reversePath(), mail.parameters()), upstreamReply -> {
            if (upstreamReply.positive()) {
                reversePath = mail.reversePath();
                mailParameters = mail.parameters();
            }
            replyAndContinue(upstreamReply);
        });
    }

    private void rcpt(SmtpCommand.Rcpt rcpt) {
        if (recipients.size() >= config.maxRecipients()) {
            replyAndContinue(SmtpReply.of(452, "4.5.3", "Too many recipients"));
            return;
        }
        SmtpReply badParameter = EsmtpParameters.checkRcpt(rcpt.parameters(), upstream.extensions());
        if (badParameter != null) {
            replyAndContinue(badParameter);
            return;
        }
        if (config.role() != SmtpSessionConfig.Role.SUBMISSION && !isLocal(rcpt.forwardPath())) {
            replyAndContinue(SmtpReply.of(550, "5.7.1", "Relaying denied"));
            return;
        }
        MessageFilter.Envelope envelope = envelope();
        await(filter.checkRecipient(envelope, rcpt.forwardPath()), refusal -> {
            if (refusal != null) {
                replyAndContinue(refusal); // refused before the upstream hears of the recipient
                return;
            }
            await(upstream.rcpt(rcpt.forwardPath(), rcpt.parameters()), upstreamReply -> {
                if (upstreamReply.positive() && reversePath != null) {
                    recipients.add(new OutboundCopy.Recipient(rcpt.forwardPath(), rcpt.parameters()));
                }
                replyAndContinue(upstreamReply);
            });
        });
    }

    private boolean isLocal(String address) {
        int at = address.lastIndexOf('@');
        return at > 0 && config.localDomains().contains(address.substring(at + 1).toLowerCase(Locale.ROOT));
    }

    private void data() {
        spool = spools.create(config.maxMessageBytes());
        spoolFull = false;
        state = State.DATA;
        reply(SmtpReply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
        decoder.requestData();
        armTimeout(config.dataTimeout());
    }

    private void endOfData(SmtpFrame.DataEnd end) {
        state = State.BUSY;
        MessageSpool received = spool;
        spool = null;
        if (spoolFull || end.lineTooLong()) {
            SmtpReply refusal = spoolFull ? SmtpReply.of(552, "5.3.4", "Message size exceeds fixed limit")
                    : SmtpReply.of(500, "5.5.2", "Line too long");
            received.discard();
            int accepted = recipients.size();
            resetTransaction();
            replyPerRecipient(refusal, accepted);
            await(upstream.rset(), ignored -> nextCommand());
            return;
        }
        MessageContent content = received.finish();
        MessageFilter.Envelope envelope = envelope();
        int accepted = recipients.size();
        long size = content.size();
        String protocol = config.role() == SmtpSessionConfig.Role.INBOUND_LMTP ? "LMTP"
                : (extended ? "ESMTP" : "SMTP") + (tlsActive ? "S" : "") + (authenticatedUser != null ? "A" : "");
        byte[] trace = TraceField.received(heloName, config.clientAddress().apply(ctx.channel()), config.hostname(),
                protocol);
        filter.process(envelope, content)
                .thenCompose(copies -> upstream.deliver(copies.stream()
                                .map(copy -> new OutboundCopy(copy.reversePath(), copy.mailParameters(), copy.recipients(),
                                        new TracedContent(trace, copy.content())))
                                .toList())
                        // The copies are the filter's (encrypted ones live in spill buffers): drop them once sent.
                        .whenComplete((replies, error) -> copies.forEach(copy -> copy.content().close())))
                .whenCompleteAsync((replies, error) -> {
                    content.close();
                    resetTransaction();
                    if (state == State.CLOSED) {
                        // Delivered (or not) with nobody left to tell: the duplicate window, worth a line of its own.
                        logTransaction(envelope, size, replies == null ? 0 : replies.size(),
                                error == null ? "client-gone" : "client-gone-failed");
                        return;
                    }
                    state = State.READY;
                    String outcome;
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                        SmtpReply refusal = cause instanceof MessageFilter.Refusal r ? r.reply()
                                : SmtpReply.of(451, "4.3.0", "Temporary failure, try again later");
                        replyPerRecipient(refusal, accepted);
                        outcome = String.valueOf(refusal.code());
                    } else {
                        outcome = finalReplies(replies, accepted);
                    }
                    logTransaction(envelope, size, replies == null ? 0 : replies.size(), outcome);
                    nextCommand();
                }, ctx.executor());
    }

    /**
     * SMTP: one reply for the message, 250 only if every copy was accepted, else the first 5xx, else 451 (a copy
     * that went through before a later one failed is the documented duplicate window). LMTP (RFC 2033 §4.2): one
     * reply per recipient in RCPT order, each from the copy that carried it.
     */
    private String finalReplies(List<List<SmtpReply>> replies, int accepted) {
        List<SmtpReply> flat = replies.stream().flatMap(List::stream).toList();
        if (config.role() == SmtpSessionConfig.Role.INBOUND_LMTP) {
            for (SmtpReply reply : flat) {
                reply(reply);
            }
            return flat.stream().map(reply -> String.valueOf(reply.code())).collect(Collectors.joining(","));
        }
        SmtpReply reply = flat.stream().allMatch(SmtpReply::positive)
                ? SmtpReply.of(250, "2.0.0", "Message accepted for delivery")
                : flat.stream().filter(SmtpReply::permanentFailure).findFirst()
                        .orElse(SmtpReply.of(451, "4.4.0", "Upstream delivery failed, try again later"));
        reply(reply);
        return String.valueOf(reply.code());
    }

    /**
     * The transaction's one log line: envelope addresses, size, how many copies went upstream (one per encryption
     * format and per Bcc recipient), and the reply codes the client got. Never content, never credentials.
     */
    private void logTransaction(MessageFilter.Envelope envelope, long size, int copies, String outcome) {
        LOG.info("session={} event=message role={} user={} from=<{}> rcpts={} size={} copies={} reply={}",
                ctx.channel().id().asShortText(), config.role().name().toLowerCase(Locale.ROOT),
                envelope.authenticatedUser() == null ? "-" : envelope.authenticatedUser(), envelope.reversePath(),
                envelope.recipients().size(), size, copies, outcome);
    }

    private void replyPerRecipient(SmtpReply reply, int accepted) {
        int count = config.role() == SmtpSessionConfig.Role.INBOUND_LMTP ? Math.max(1, accepted) : 1;
        for (int i = 0; i < count; i++) {
            reply(reply);
        }
    }

    private MessageFilter.Envelope envelope() {
        return new MessageFilter.Envelope(authenticatedUser, reversePath == null ? "" : reversePath,
                mailParameters == null ? Map.of() : mailParameters, recipients);
    }

    private void resetTransaction() {
        reversePath = null;
        mailParameters = null;
        recipients.clear();
        if (spool != null) {
            spool.discard();
            spool = null;
        }
        spoolFull = false;
    }

    // ------------------------------------------------------------------ plumbing

    /**
     * Waits for an asynchronous answer and hands it to the callback on the event loop; no command is read
     * meanwhile. The callback replies and asks for the next command itself. A failed stage becomes 451.
     */
    private <T> void await(CompletionStage<T> stage, Consumer<T> then) {
        state = State.BUSY;
        stage.whenCompleteAsync((value, error) -> {
            if (state == State.CLOSED) {
                return;
            }
            state = State.READY;
            if (error != null) {
                replyAndContinue(SmtpReply.of(451, "4.4.0", "Temporary failure, try again later"));
                return;
            }
            then.accept(value);
        }, ctx.executor());
    }

    private void replyAndContinue(SmtpReply reply) {
        reply(reply);
        nextCommand();
    }

    /** Writes a reply; the decoder flushes when it next waits for the client (pipelined replies go out together). */
    private void reply(SmtpReply reply) {
        ctx.write(reply.encode(ctx.alloc()));
    }

    private void nextCommand() {
        if (state == State.CLOSED || state == State.BUSY) {
            return;
        }
        armTimeout(config.commandTimeout());
        decoder.requestLine();
    }

    private void closeWith(SmtpReply reply) {
        state = State.CLOSED;
        cancelTimeout();
        ctx.writeAndFlush(reply.encode(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
    }

    private void armTimeout(Duration duration) {
        cancelTimeout();
        timeout = ctx.executor().schedule(
                () -> closeWith(SmtpReply.of(421, "4.4.2", config.hostname() + " Timeout, closing connection")),
                duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
