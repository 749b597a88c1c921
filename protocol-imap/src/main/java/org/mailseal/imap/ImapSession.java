package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.mailseal.imap.search.BadCharsetException;
import org.mailseal.imap.search.SearchProgram;

/**
 * One client connection: the IMAP state machine (RFC 3501 §3), the upstream connection, and the ordered output.
 *
 * <p>Commands go upstream with the client's own tags. Most are pipelined; those that change what later commands
 * mean (login, SELECT and the like, IDLE, a FETCH that needs decryption) are finished before the next command is
 * read. Responses reach the client in the upstream's order: a FETCH response that needs decrypting is a pending
 * entry in the output queue, and everything after it waits for it (notes/imap.md, "order is sacred").
 */
public final class ImapSession extends ChannelInboundHandlerAdapter
        implements ImapUpstream.Listener, ContentFetch.Session {
    private enum State { CONNECTING, NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT }

    /** Why a command was sent upstream, so that its completion can be acted on. */
    private enum Kind { PLAIN, LOGIN, SELECT, DESELECT, LOGOUT, IDLE, FETCH }

    private record Outstanding(String tag, Kind kind, ContentFetch fetch, String mailbox) {}

    private final ImapSessionConfig config;
    private final ImapUpstreamConfig upstreamConfig;
    private final Class<? extends SocketChannel> upstreamChannel;
    private final MailboxCrypto crypto;
    private final DecryptedMessages cache;
    private final ImapFrameDecoder decoder;

    private ChannelHandlerContext ctx;
    private ImapUpstream upstream;
    private State state = State.CONNECTING;
    private boolean tlsActive;
    private String user;
    private char[] password;
    private MailboxCrypto.MailboxKeys keys;
    private String mailbox;
    private long uidValidity;
    private long pendingUidValidity;
    private final ArrayDeque<Outstanding> outstanding = new ArrayDeque<>();
    /** The tag whose completion the next command waits for; null when commands are read freely. */
    private String blockedOn;
    private String saslTag;
    private String idleTag;
    private OutputQueue output;
    private ScheduledFuture<?> idleTimer;
    private ScheduledFuture<?> upstreamTimer;
    /** A content search waiting for earlier commands to finish upstream. */
    private Runnable pendingSearch;
    private boolean upstreamPaused;
    private long decryptingBytes;
    /** Ciphertext under decryption beyond which the upstream is not read (a 64 MiB message still goes through). */
    private static final long MAX_DECRYPTING_BYTES = 8L << 20;

    public ImapSession(ImapSessionConfig config, ImapUpstreamConfig upstreamConfig,
                       Class<? extends SocketChannel> upstreamChannel, MailboxCrypto crypto, DecryptedMessages cache,
                       ImapFrameDecoder decoder) {
        this.config = config;
        this.upstreamConfig = upstreamConfig;
        this.upstreamChannel = upstreamChannel;
        this.crypto = crypto;
        this.cache = cache;
        this.decoder = decoder;
    }

    // ------------------------------------------------------------------ connection

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.output = new OutputQueue(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        tlsActive = config.implicitTls();
        decoder.limits(config.maxLiteralBeforeLogin(), (64 << 10) + 4 * config.maxLiteralBeforeLogin(), true);
        ImapUpstream.connect(upstreamConfig, ctx.channel(), upstreamChannel, this)
                .whenCompleteAsync((connected, error) -> {
                    if (error != null) {
                        // Why stays in mailseal; the client only learns to come back later.
                        closeWith("* BYE [UNAVAILABLE] Service not available, try again later\r\n");
                        return;
                    }
                    upstream = connected;
                    if (!ctx.channel().isActive()) {
                        upstream.close();
                        return;
                    }
                    state = State.NOT_AUTHENTICATED;
                    emit("* OK [CAPABILITY " + capabilities() + "] " + config.hostname() + " IMAP4rev1 mailseal ready\r\n");
                    next();
                }, ctx.executor());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdleTimer();
        if (upstreamTimer != null) {
            upstreamTimer.cancel(false);
        }
        forgetCredentials();
        if (keys != null) {
            keys.close();
            keys = null;
        }
        if (upstream != null) {
            upstream.close();
        }
        output.discard();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        regulateUpstream();
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Backpressure: the upstream is read only while the client keeps up and the ciphertexts being decrypted stay
     * under {@link #MAX_DECRYPTING_BYTES}, so a FETCH of thousands of encrypted messages holds a bounded few at once.
     * (Responses that wait for a ciphertext fetched after the command are small and do not count: the command must
     * be read to its end before their ciphertexts can be asked for.)
     */
    private void regulateUpstream() {
        if (upstream == null) {
            return;
        }
        if (!ctx.channel().isWritable() || decryptingBytes > MAX_DECRYPTING_BYTES) {
            upstreamPaused = true;
            upstream.pause();
        } else if (upstreamPaused && decryptingBytes <= MAX_DECRYPTING_BYTES / 2) {
            upstreamPaused = false;
            upstream.resume();
        }
    }

    @Override
    public void decrypting(long bytes) {
        decryptingBytes += bytes;
        regulateUpstream();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // TLS failures, resets: nothing useful to say
    }

    @Override
    public void upstreamClosed() {
        if (state != State.LOGOUT && ctx.channel().isActive()) {
            closeWith("* BYE [UNAVAILABLE] Upstream connection lost\r\n");
        }
    }

    // ------------------------------------------------------------------ client input

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ImapFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        cancelIdleTimer();
        if (frame instanceof ImapFrame.Unit unit) {
            try {
                if (saslTag != null) {
                    saslResponse(unit.raw());
                } else if (idleTag != null) {
                    idleDone(unit.raw());
                } else {
                    command(unit);
                }
            } catch (ImapSyntaxException e) {
                bad(unit.tag(), "Invalid arguments");
            } finally {
                unit.raw().release();
            }
        } else if (frame instanceof ImapFrame.LiteralTooBig tooBig) {
            if (tooBig.synchronizing()) {
                reply(tooBig.tag(), "NO [TOOBIG] Literal too big");
                next();
            } else {
                // The literal is on its way regardless and the stream can no longer be trusted (RFC 7888 §4).
                reply(tooBig.tag(), "BAD [TOOBIG] Literal too big");
                closeWith("* BYE Too much data\r\n");
            }
        } else if (frame instanceof ImapFrame.LineTooLong) {
            bad(frame.tag(), "Line too long");
        } else {
            bad(frame.tag(), "Lines end with CRLF");
        }
    }

    private void command(ImapFrame.Unit unit) {
        String tag = unit.tag();
        if (tag.equals("*")) {
            bad("*", "Invalid tag");
            return;
        }
        ByteBuf raw = unit.raw();
        ImapReader in = new ImapReader(raw);
        in.word("");
        in.space();
        String name = in.atom().toUpperCase(Locale.ROOT);
        boolean uid = name.equals("UID");
        if (uid) {
            in.space();
            name = "UID " + in.atom().toUpperCase(Locale.ROOT);
        }
        if (!UnitCheck.clean(raw, name.equals("APPEND"))) {
            bad(tag, "CR, LF or NUL where none may be");
            return;
        }
        switch (name) {
            case "CAPABILITY" -> {
                emit("* CAPABILITY " + capabilities() + "\r\n");
                reply(tag, "OK Capability completed");
                next();
            }
            case "NOOP" -> {
                if (state == State.NOT_AUTHENTICATED) {
                    reply(tag, "OK NOOP completed");
                    next();
                } else {
                    relay(tag, raw, Kind.PLAIN, null, false);
                }
            }
            case "LOGOUT" -> {
                if (state == State.NOT_AUTHENTICATED) {
                    emit("* BYE Logging out\r\n");
                    reply(tag, "OK Logout completed");
                    state = State.LOGOUT;
                    flushThenClose();
                } else {
                    relay(tag, raw, Kind.LOGOUT, null, true);
                }
            }
            case "STARTTLS" -> startTls(tag);
            case "LOGIN" -> {
                in.space();
                String login = new String(in.astring(), StandardCharsets.UTF_8);
                in.space();
                byte[] secret = in.astring();
                in.expectEnd();
                login(tag, login, secret);
            }
            case "AUTHENTICATE" -> authenticate(tag, in);
            default -> authenticatedCommand(tag, name, in, raw);
        }
    }

    private void authenticatedCommand(String tag, String name, ImapReader in, ByteBuf raw) {
        if (state != State.AUTHENTICATED && state != State.SELECTED) {
            bad(tag, state == State.NOT_AUTHENTICATED ? "Log in first" : "Command not valid now");
            return;
        }
        switch (name) {
            case "SELECT", "EXAMINE" -> {
                in.space();
                String box = new String(in.astring(), StandardCharsets.UTF_8);
                pendingUidValidity = 0;
                relay(tag, raw, Kind.SELECT, null, true, box);
            }
            case "CLOSE", "UNSELECT" -> relay(tag, raw, Kind.DESELECT, null, true);
            case "APPEND" -> append(tag, in);
            case "IDLE" -> {
                idleTag = tag;
                relay(tag, raw, Kind.IDLE, null, true);
                decoder.request(); // the client's DONE is read while the upstream reports
            }
            case "FETCH", "UID FETCH" -> {
                if (state != State.SELECTED) {
                    bad(tag, "No mailbox selected");
                    return;
                }
                in.space();
                FetchRequest request = FetchRequest.parse(in, name.startsWith("UID"));
                if (!request.needsContent()) {
                    relay(tag, raw, Kind.PLAIN, null, false);
                    return;
                }
                ContentFetch fetch = new ContentFetch(request, this);
                send(tag, Unpooled.copiedBuffer(fetch.upstreamCommand(tag), StandardCharsets.ISO_8859_1),
                        Kind.FETCH, fetch, true, null);
            }
            case "SEARCH", "UID SEARCH" -> {
                if (state != State.SELECTED) {
                    bad(tag, "No mailbox selected");
                    return;
                }
                in.space();
                SearchProgram program;
                try {
                    program = SearchProgram.parse(in);
                } catch (BadCharsetException e) {
                    reply(tag, "NO [" + BadCharsetException.RESPONSE_CODE + "] Unsupported charset");
                    next();
                    return;
                }
                if (!program.dependsOnContent()) {
                    relay(tag, raw, Kind.PLAIN, null, false);
                    return;
                }
                search(tag, new ContentSearch(program, name.startsWith("UID"), this));
            }
            case "STARTTLS", "LOGIN", "AUTHENTICATE" -> bad(tag, "Already authenticated");
            default -> relay(tag, raw, Kind.PLAIN, null, false);
        }
    }

    /**
     * APPEND (RFC 3501 §6.3.11): the message is encrypted to the user's own key before it reaches the server
     * (notes/imap.md 10); flags and date go along as the client gave them, and the server's answer (APPENDUID
     * included) comes back as it is.
     */
    private void append(String tag, ImapReader in) {
        in.space();
        byte[] box = in.astring();
        in.space();
        String flags = "";
        if (in.peek() == '(') {
            int start = in.position();
            in.skipValue();
            flags = in.buffer().toString(start, in.position() - start, StandardCharsets.US_ASCII) + " ";
            in.space();
        }
        String date = "";
        if (in.peek() == '"') {
            date = "\"" + new String(in.string(), StandardCharsets.US_ASCII) + "\" ";
            in.space();
        }
        byte[] message = in.string();
        in.expectEnd();
        String mailboxName = new String(box, StandardCharsets.UTF_8);
        String prefix = flags + date;
        blockedOn = tag; // until the server answered
        CompletionStage<java.util.Optional<byte[]>> storing = config.storesPlaintext(mailboxName)
                ? CompletableFuture.completedFuture(java.util.Optional.empty())
                : keys.encryptForStorage(mailboxName, message);
        storing.whenCompleteAsync((encrypted, error) -> {
            if (error != null || !ctx.channel().isActive()) {
                reply(tag, "NO [UNAVAILABLE] Cannot store the message now");
                unblock(tag);
                return;
            }
            byte[] stored = encrypted.orElse(message);
            ByteBuf command = Unpooled.buffer(stored.length + box.length + 128);
            command.writeCharSequence(tag + " APPEND ", StandardCharsets.US_ASCII);
            ImapSyntax.writeString(command, box);
            command.writeByte(' ').writeCharSequence(prefix, StandardCharsets.US_ASCII);
            command.writeByte('{').writeCharSequence(Integer.toString(stored.length), StandardCharsets.US_ASCII);
            command.writeByte('}').writeByte('\r').writeByte('\n').writeBytes(stored).writeByte('\r').writeByte('\n');
            blockedOn = null;
            send(tag, command, Kind.PLAIN, null, true, null);
        }, ctx.executor());
    }

    /**
     * A search over content: the proxy's own commands run on the connection while the client's waits (it is the
     * only command outstanding: earlier ones finish first), then the answer and what arrived unasked meanwhile.
     */
    private void search(String tag, ContentSearch search) {
        blockedOn = tag;
        CompletableFuture<ByteBuf> answer = reserve();
        Runnable start = () -> search.run().whenCompleteAsync((responses, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                String status = cause instanceof ContentSearch.Refused refused ? refused.status
                        : "NO [UNAVAILABLE] Search failed, try again";
                ByteBuf all = ctx.alloc().buffer();
                for (ByteBuf update : search.unsolicited()) { // what the server reported meanwhile still goes out
                    all.writeBytes(update);
                    update.release();
                }
                all.writeCharSequence(tag + " " + status + "\r\n", StandardCharsets.US_ASCII);
                answer.complete(all);
            } else {
                ByteBuf all = ctx.alloc().buffer();
                for (ByteBuf response : responses) {
                    all.writeBytes(response);
                    response.release();
                }
                all.writeCharSequence(tag + " OK SEARCH completed\r\n", StandardCharsets.US_ASCII);
                answer.complete(all);
            }
            drain();
            unblock(tag);
        }, ctx.executor());
        if (outstanding.isEmpty()) {
            start.run();
        } else {
            pendingSearch = start; // after the commands still running upstream (internal commands need a quiet line)
        }
    }

    private void relay(String tag, ByteBuf raw, Kind kind, ContentFetch fetch, boolean block) {
        relay(tag, raw, kind, fetch, block, null);
    }

    private void relay(String tag, ByteBuf raw, Kind kind, ContentFetch fetch, boolean block, String box) {
        send(tag, raw.retainedDuplicate(), kind, fetch, block, box);
    }

    private void send(String tag, ByteBuf command, Kind kind, ContentFetch fetch, boolean block, String box) {
        outstanding.add(new Outstanding(tag, kind, fetch, box));
        upstream.send(command);
        watchUpstream();
        if (block) {
            blockedOn = tag;
        } else {
            next();
        }
    }

    // ------------------------------------------------------------------ TLS and login

    private void startTls(String tag) {
        if (config.tls() == null || tlsActive) {
            bad(tag, tlsActive ? "TLS already active" : "STARTTLS not available");
            return;
        }
        if (state != State.NOT_AUTHENTICATED) {
            bad(tag, "Already authenticated");
            return;
        }
        reply(tag, "OK Begin TLS negotiation now");
        ctx.flush(); // in the clear, before the handshake
        decoder.discardBuffered(); // RFC 3501 §6.2.1: what was pipelined behind STARTTLS never runs
        SslHandler tls = config.tls().newHandler(ctx.alloc());
        ctx.pipeline().addFirst("tls", tls);
        tlsActive = true;
        tls.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                next();
            } else {
                ctx.close();
            }
        });
    }

    private boolean loginAllowed() {
        return tlsActive || config.loginWithoutTls();
    }

    private void login(String tag, String login, byte[] secret) {
        if (state != State.NOT_AUTHENTICATED) {
            Arrays.fill(secret, (byte) 0);
            bad(tag, "Already authenticated");
            return;
        }
        if (!loginAllowed()) {
            Arrays.fill(secret, (byte) 0);
            reply(tag, "NO [PRIVACYREQUIRED] Use STARTTLS first");
            next();
            return;
        }
        if (!upstream.tlsActive() && !upstreamConfig.allowPlaintextLogin()) {
            // DESIGN.md invariant 5: no credentials over an unencrypted upstream link unless configured.
            Arrays.fill(secret, (byte) 0);
            reply(tag, "NO [UNAVAILABLE] Login is not possible now");
            next();
            return;
        }
        java.util.Optional<Duration> refusal = config.loginGuard().refusal(ctx.channel(), config.keyAddress(login));
        if (refusal.isPresent()) {
            Arrays.fill(secret, (byte) 0);
            blockedOn = tag; // nothing else runs until the refusal is answered
            refuseLoginLater(tag, refusal.get()); // the server has heard enough guesses
            return;
        }
        user = login;
        password = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(secret)).array();
        ByteBuf command = Unpooled.buffer(64 + secret.length + login.length());
        command.writeCharSequence(tag + " LOGIN ", StandardCharsets.US_ASCII);
        ImapSyntax.writeString(command, login);
        command.writeByte(' ');
        ImapSyntax.writeString(command, secret);
        command.writeByte('\r').writeByte('\n');
        Arrays.fill(secret, (byte) 0);
        send(tag, command, Kind.LOGIN, null, true, null);
    }

    private void authenticate(String tag, ImapReader in) {
        in.space();
        String mechanism = in.atom().toUpperCase(Locale.ROOT);
        if (!mechanism.equals("PLAIN")) {
            // Only a mechanism that reveals the password can unlock the user's key (notes/imap.md 11).
            reply(tag, "NO Unsupported authentication mechanism");
            next();
            return;
        }
        if (in.accept(' ')) {
            String initial = in.word("");
            in.expectEnd();
            plain(tag, initial);
            return;
        }
        in.expectEnd();
        saslTag = tag;
        emit("+ \r\n");
        next();
    }

    private void saslResponse(ByteBuf raw) {
        String tag = saslTag;
        saslTag = null;
        String line = ImapUpstream.firstLine(raw);
        if (line.equals("*")) {
            reply(tag, "BAD Authentication cancelled");
            next();
            return;
        }
        plain(tag, line);
    }

    private void plain(String tag, String base64) {
        SaslPlain.Result result = SaslPlain.decode(base64);
        if (result instanceof SaslPlain.Credentials credentials) {
            login(tag, credentials.user(), credentials.secret());
        } else {
            reply(tag, ((SaslPlain.Refused) result).status());
            next();
        }
    }

    private void loggedIn(String tag, String line) {
        state = State.AUTHENTICATED;
        decoder.limits(config.maxMessageBytes(), config.maxMessageBytes() + (64 << 10), true);
        java.util.Set<String> learnt = ImapUpstream.capabilityCode(line);
        CompletionStage<Void> capabilities = learnt.isEmpty() ? upstream.refreshCapabilities()
                : CompletableFuture.runAsync(() -> upstream.capabilities(learnt), ctx.executor());
        char[] secret = password;
        password = null;
        CompletableFuture<ByteBuf> done = output.reserve();
        capabilities.thenCompose(ignored -> crypto.unlock(config.keyAddress(user), secret))
                .whenCompleteAsync((unlocked, error) -> {
                    Arrays.fill(secret, '\0');
                    if (error != null || !ctx.channel().isActive()) {
                        done.complete(Unpooled.copiedBuffer("* BYE [UNAVAILABLE] Try again later\r\n",
                                StandardCharsets.US_ASCII));
                        drain();
                        ctx.close();
                        return;
                    }
                    keys = unlocked;
                    done.complete(Unpooled.copiedBuffer(tag + " OK [CAPABILITY " + capabilities() + "] Logged in\r\n",
                            StandardCharsets.US_ASCII));
                    drain();
                    unblock(tag);
                }, ctx.executor());
    }

    /**
     * Whether a LOGIN's tagged NO is about the credentials: no response code, or AUTHENTICATIONFAILED or
     * AUTHORIZATIONFAILED (RFC 5530). Others ([UNAVAILABLE], [SERVERBUG], [PRIVACYREQUIRED] ...) are the server's
     * business: passed on as said, and not counted as a guess. A BAD is passed on too.
     */
    private static boolean credentialsRefused(String line) {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[1].equalsIgnoreCase("NO")) {
            return false;
        }
        String text = parts.length == 3 ? parts[2].toUpperCase(Locale.ROOT) : "";
        return !text.startsWith("[") || text.startsWith("[AUTHENTICATIONFAILED]")
                || text.startsWith("[AUTHORIZATIONFAILED]");
    }

    /** Answers a LOGIN as failed after {@code delay} (authentication throttling); the next command waits till then. */
    private void refuseLoginLater(String tag, Duration delay) {
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                reply(tag, "NO [AUTHENTICATIONFAILED] Authentication failed.");
                if (tag.equals(blockedOn)) {
                    unblock(tag);
                } else {
                    next();
                }
            }
        }, delay.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void forgetCredentials() {
        if (password != null) {
            Arrays.fill(password, '\0');
            password = null;
        }
    }

    private String capabilities() {
        return state == State.AUTHENTICATED || state == State.SELECTED ? Capabilities.afterLogin(upstream.capabilities())
                : Capabilities.beforeLogin(config.tls() != null && !tlsActive, loginAllowed());
    }

    private void idleDone(ByteBuf raw) {
        if (!ImapUpstream.firstLine(raw).equalsIgnoreCase("DONE")) {
            bad("*", "Expected DONE");
            decoder.request();
            return;
        }
        upstream.send(Unpooled.copiedBuffer("DONE\r\n", StandardCharsets.US_ASCII));
        idleTag = null; // the next command waits for IDLE's completion (blockedOn)
    }

    // ------------------------------------------------------------------ upstream responses

    @Override
    public void upstreamUnit(ByteBuf unit) {
        watchUpstream(); // progress: the server is answering
        byte first = unit.getByte(unit.readerIndex());
        if (first == '+') {
            if (idleTag != null) {
                emit(unit); // "+ idling"
            } else {
                unit.release();
            }
            return;
        }
        if (first == '*') {
            untagged(unit);
            return;
        }
        String line = ImapUpstream.firstLine(unit);
        int space = line.indexOf(' ');
        String tag = space < 0 ? line : line.substring(0, space);
        Outstanding done = null;
        for (Outstanding candidate : outstanding) {
            if (candidate.tag().equals(tag)) {
                done = candidate;
                break;
            }
        }
        if (done == null) {
            unit.release(); // not a command of the client's (the proxy's own LOGOUT, say)
            return;
        }
        outstanding.remove(done);
        watchUpstream();
        if (outstanding.isEmpty() && pendingSearch != null) {
            Runnable start = pendingSearch;
            pendingSearch = null;
            ctx.executor().execute(start); // after this completion has been handled
        }
        boolean ok = line.regionMatches(true, space + 1, "OK", 0, 2);
        switch (done.kind()) {
            case LOGIN -> {
                if (ok) {
                    unit.release();
                    config.loginGuard().succeeded(ctx.channel(), config.keyAddress(user));
                    loggedIn(tag, line);
                    return;
                }
                forgetCredentials();
                String refused = user;
                user = null;
                if (credentialsRefused(line)) {
                    // Whatever the server said, one reply: an unknown user looks like a wrong password.
                    unit.release();
                    refuseLoginLater(tag, config.loginGuard().failed(ctx.channel(), config.keyAddress(refused)));
                    return;
                }
            }
            case SELECT -> {
                state = ok ? State.SELECTED : State.AUTHENTICATED; // RFC 3501 §6.3.1: a failed SELECT deselects
                mailbox = ok ? done.mailbox() : null;
                uidValidity = ok ? pendingUidValidity : 0;
            }
            case DESELECT -> {
                if (ok) {
                    state = State.AUTHENTICATED;
                    mailbox = null;
                }
            }
            case LOGOUT -> state = State.LOGOUT;
            case IDLE -> idleTag = null;
            case FETCH -> {
                // The ciphertexts still missing are fetched before the client hears that its command is done.
                done.fetch().finish().whenCompleteAsync((unsolicited, error) -> {
                    emit(unit);
                    if (unsolicited != null) {
                        unsolicited.forEach(this::emit);
                    }
                    unblock(tag);
                }, ctx.executor());
                return;
            }
            default -> { }
        }
        emit(unit);
        if (done.kind() == Kind.LOGOUT) {
            flushThenClose();
            return;
        }
        unblock(tag);
    }

    private void unblock(String tag) {
        if (tag.equals(blockedOn)) {
            blockedOn = null;
            next();
        }
    }

    private void untagged(ByteBuf unit) {
        String line = ImapUpstream.firstLine(unit);
        String upper = line.toUpperCase(Locale.ROOT);
        if (upper.startsWith("* OK [UIDVALIDITY ")) {
            try {
                pendingUidValidity = Long.parseLong(upper.substring(18, upper.indexOf(']')).trim());
            } catch (RuntimeException e) {
                pendingUidValidity = 0;
            }
        }
        if (upper.startsWith("* CAPABILITY ")) {
            unit.release();
            emit("* CAPABILITY " + capabilities() + "\r\n");
            return;
        }
        Outstanding fetch = activeFetch();
        if (fetch != null && upper.contains(" FETCH ")) {
            FetchResponse response;
            try {
                response = FetchResponse.parse(unit);
            } catch (ImapSyntaxException e) {
                response = null;
            }
            if (response != null && (response.item(FetchRewriter.VERDICT_NAME) != null
                    || response.item("BODYSTRUCTURE") != null || response.item("BODY[]") != null)) {
                fetch.fetch().response(response);
                return;
            }
        }
        emit(unit);
    }

    private Outstanding activeFetch() {
        for (Outstanding candidate : outstanding) {
            if (candidate.kind() == Kind.FETCH) {
                return candidate;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ what a content fetch needs

    @Override
    public io.netty.util.concurrent.EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public io.netty.buffer.ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public CompletableFuture<ByteBuf> reserve() {
        return output.reserve();
    }

    @Override
    public MailboxCrypto.MailboxKeys keys() {
        return keys;
    }

    @Override
    public DecryptedMessages cache() {
        return cache;
    }

    /**
     * Whose messages these are in the cache: the login at this upstream (listeners in front of different servers
     * share the cache, and "bob" at one is not "bob" at the other).
     */
    private String cacheUser() {
        return user + " at " + upstreamConfig.host() + ":" + upstreamConfig.port();
    }

    @Override
    public DecryptedMessages.Key key(long uid) {
        return new DecryptedMessages.Key(cacheUser(), mailbox, uidValidity, uid);
    }

    @Override
    public boolean anyCached() {
        return cache.cachedIn(new DecryptedMessages.Mailbox(cacheUser(), mailbox, uidValidity)) > 0;
    }

    @Override
    public ImapUpstream upstream() {
        return upstream;
    }

    // ------------------------------------------------------------------ output, in order

    private void emit(String line) {
        emit(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8));
    }

    @Override
    public void emit(ByteBuf bytes) {
        output.add(bytes);
        regulateUpstream();
    }

    private void reply(String tag, String text) {
        emit(tag + " " + text + "\r\n");
    }

    private void bad(String tag, String text) {
        reply(tag, "BAD " + text);
        next();
    }

    @Override
    public void drain() {
        output.drain();
        regulateUpstream();
    }

    /** Reads the next command unless one is still running that later commands depend on. */
    private void next() {
        if (blockedOn != null || state == State.LOGOUT || state == State.CONNECTING || !ctx.channel().isActive()) {
            ctx.flush();
            return;
        }
        armIdleTimer();
        decoder.request();
    }

    private void flushThenClose() {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void closeWith(String bye) {
        state = State.LOGOUT;
        emit(bye);
        flushThenClose();
    }

    /**
     * While a command of the client's waits for the server (IDLE aside, where silence is normal), the server must
     * show progress within the command timeout, or the session ends with BYE instead of hanging (RFC 3501 §7.1.5).
     */
    private void watchUpstream() {
        if (upstreamTimer != null) {
            upstreamTimer.cancel(false);
            upstreamTimer = null;
        }
        if (outstanding.stream().anyMatch(command -> command.kind() != Kind.IDLE)) {
            upstreamTimer = ctx.executor().schedule(() -> {
                if (ctx.channel().isActive() && state != State.LOGOUT) {
                    closeWith("* BYE [UNAVAILABLE] The mail server does not answer, try again later\r\n");
                }
            }, upstreamConfig.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void armIdleTimer() {
        cancelIdleTimer();
        idleTimer = ctx.executor().schedule(() -> closeWith("* BYE Autologout; idle for too long\r\n"),
                config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }
}
