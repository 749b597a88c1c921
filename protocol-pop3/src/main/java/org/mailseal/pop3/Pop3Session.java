package org.mailseal.pop3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client's POP3 session (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH PLAIN RFC 5034), in front of one upstream
 * connection. Commands are read one at a time (the decoder is pulled), so pipelined commands (RFC 2449 §6.6) are
 * answered in order without the upstream having to support PIPELINING.
 *
 * <p>The client's credentials go to the upstream; when it accepts them, the same password unlocks the user's keys.
 * RETR and TOP of an encrypted message answer with the decrypted message, which is cached by the message's unique-id
 * (UIDL) together with its size; STAT and LIST report that size for every message decrypted before, and the stored
 * size for the rest. Everything else, and every plaintext message, passes through byte for byte. Commands go upstream
 * rebuilt from their validated arguments, never as the client wrote them.
 */
public final class Pop3Session extends ChannelInboundHandlerAdapter {
    private enum State { CONNECTING, AUTHORIZATION, TRANSACTION, CLOSING }

    private final Pop3SessionConfig config;
    private final Pop3UpstreamConfig upstreamConfig;
    private final Class<? extends SocketChannel> upstreamChannel;
    private final MaildropCrypto crypto;
    private final DecryptedMaildrop cache;
    private final Pop3CommandDecoder decoder;

    private ChannelHandlerContext ctx;
    private Pop3Upstream upstream;
    private State state = State.CONNECTING;
    private boolean tlsActive;
    /** The name given by USER, waiting for PASS. */
    private String userName;
    /** The login the upstream accepted (the cache's user). */
    private String user;
    private MaildropCrypto.MaildropKeys keys;
    /** Message number to unique-id, asked once a session (the maildrop does not change during it, RFC 1939 §8). */
    private Map<Integer, String> uidls;
    private boolean saslPending;
    /** The next command waits until the client has taken the replies so far (a pipelined RETR batch stays bounded). */
    private boolean waitingForWritable;
    private ScheduledFuture<?> idleTimer;

    public Pop3Session(Pop3SessionConfig config, Pop3UpstreamConfig upstreamConfig,
                       Class<? extends SocketChannel> upstreamChannel, MaildropCrypto crypto, DecryptedMaildrop cache,
                       Pop3CommandDecoder decoder) {
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
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        tlsActive = config.implicitTls();
        Pop3Upstream.connect(upstreamConfig, ctx.channel(), upstreamChannel)
                .whenCompleteAsync((connected, error) -> {
                    if (error != null) {
                        // Why stays in mailseal; the client only learns to come back later (RFC 3206 SYS/TEMP).
                        closeWith("-ERR [SYS/TEMP] Service not available, try again later");
                        return;
                    }
                    upstream = connected;
                    if (!ctx.channel().isActive()) {
                        upstream.close();
                        return;
                    }
                    // After a command in flight has heard of it (its -ERR goes out first): the server ended the session.
                    upstream.onClose(() -> ctx.executor().execute(() -> {
                        if (state != State.CLOSING) {
                            state = State.CLOSING;
                            ctx.close();
                        }
                    }));
                    state = State.AUTHORIZATION;
                    send("+OK " + config.hostname() + " POP3 mailseal ready"); // no APOP timestamp: APOP is not offered
                    next();
                }, ctx.executor());
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSING;
        cancelIdleTimer();
        if (keys != null) {
            keys.close();
            keys = null;
        }
        if (upstream != null) {
            upstream.close(); // without QUIT: the server must not enter UPDATE (RFC 1939 §6)
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (waitingForWritable && ctx.channel().isWritable()) {
            waitingForWritable = false;
            next();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a TLS or I/O failure: nothing to tell a client whose connection is broken
    }

    /** Reads the next command once the client has taken what was written. */
    private void next() {
        if (state == State.CLOSING || !ctx.channel().isActive()) {
            return;
        }
        if (!ctx.channel().isWritable()) {
            waitingForWritable = true;
            ctx.flush();
            return;
        }
        armIdleTimer();
        decoder.request();
    }

    private void armIdleTimer() {
        cancelIdleTimer();
        idleTimer = ctx.executor().schedule(() -> closeWith("-ERR Autologout; idle for too long"),
                config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelIdleTimer() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    private void send(String line) {
        ctx.write(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8));
    }

    private void reply(String line) {
        send(line);
        next();
    }

    private void closeWith(String line) {
        state = State.CLOSING;
        ctx.writeAndFlush(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** The upstream failed in the middle of a command: the client hears so, never a part of an answer. */
    private void upstreamLost() {
        if (state != State.CLOSING) {
            closeWith("-ERR [SYS/TEMP] Connection to the mail server lost");
        }
    }

    /** Continues on the event loop with the upstream's response, or ends the session if the upstream failed. */
    private void then(CompletionStage<Pop3Response> response, Consumer<Pop3Response> action) {
        response.whenCompleteAsync((answer, error) -> {
            if (error != null) {
                upstreamLost();
                return;
            }
            if (state == State.CLOSING) {
                answer.release();
                return;
            }
            action.accept(answer);
        }, ctx.executor());
    }

    /** Sends a command upstream and relays its response as it came. */
    private void relay(String command, boolean multiLine) {
        then(upstream.command(command, multiLine), response -> {
            ctx.write(response.raw());
            next();
        });
    }

    // ------------------------------------------------------------------ commands

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Pop3Frame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        cancelIdleTimer();
        if (frame instanceof Pop3Frame.Line line) {
            if (saslPending) {
                saslPending = false;
                saslResponse(line.text());
            } else {
                command(line.text());
            }
            return;
        }
        saslPending = false;
        reply(frame instanceof Pop3Frame.TooLong ? "-ERR Line too long" : "-ERR Malformed command line");
    }

    private void command(String line) {
        int space = line.indexOf(' ');
        String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String rest = space < 0 ? "" : line.substring(space + 1);
        List<String> args = rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" ", -1));
        if (state == State.AUTHORIZATION) {
            authorization(keyword, rest, args);
        } else if (state == State.TRANSACTION) {
            transaction(keyword, args);
        }
    }

    private void authorization(String keyword, String rest, List<String> args) {
        switch (keyword) {
            case "CAPA" -> capa();
            case "STLS" -> stls();
            case "USER" -> {
                if (!loginAllowed()) {
                    reply("-ERR Use STLS first");
                } else if (args.size() != 1 || args.get(0).isEmpty()) {
                    reply("-ERR USER needs one name");
                } else {
                    userName = args.get(0);
                    reply("+OK Send PASS");
                }
            }
            case "PASS" -> {
                if (!loginAllowed()) {
                    reply("-ERR Use STLS first");
                } else if (userName == null) {
                    reply("-ERR USER first");
                } else if (rest.isEmpty()) {
                    reply("-ERR PASS needs a password");
                } else {
                    String name = userName;
                    userName = null;
                    login(name, rest.toCharArray());
                }
            }
            case "AUTH" -> auth(args);
            case "APOP" -> reply("-ERR APOP is not offered");
            case "QUIT" -> quit();
            case "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL" -> reply("-ERR Not logged in");
            default -> reply("-ERR Unknown command");
        }
    }

    private void transaction(String keyword, List<String> args) {
        switch (keyword) {
            case "STAT" -> {
                if (args.isEmpty()) {
                    stat();
                } else {
                    reply("-ERR STAT takes no argument");
                }
            }
            case "LIST" -> withOptionalNumber(args, this::list);
            case "UIDL" -> withOptionalNumber(args, n -> relay(n == null ? "UIDL" : "UIDL " + n, n == null));
            case "RETR" -> {
                Integer n = args.size() == 1 ? number(args.get(0)) : null;
                if (n == null) {
                    reply("-ERR RETR needs one message number");
                } else {
                    retr(n);
                }
            }
            case "TOP" -> {
                Integer n = args.size() == 2 ? number(args.get(0)) : null;
                Integer lines = args.size() == 2 ? count(args.get(1)) : null;
                if (n == null || lines == null) {
                    reply("-ERR TOP needs a message number and a line count");
                } else {
                    top(n, lines);
                }
            }
            case "DELE" -> {
                Integer n = args.size() == 1 ? number(args.get(0)) : null;
                if (n == null) {
                    reply("-ERR DELE needs one message number");
                } else {
                    relay("DELE " + n, false);
                }
            }
            case "NOOP", "RSET" -> {
                if (args.isEmpty()) {
                    relay(keyword, false);
                } else {
                    reply("-ERR " + keyword + " takes no argument");
                }
            }
            case "CAPA" -> capa();
            case "QUIT" -> quit();
            case "USER", "PASS", "AUTH", "APOP", "STLS" -> reply("-ERR Already logged in");
            default -> reply("-ERR Unknown command");
        }
    }

    private void withOptionalNumber(List<String> args, Consumer<Integer> action) {
        if (args.isEmpty()) {
            action.accept(null);
            return;
        }
        Integer n = args.size() == 1 ? number(args.get(0)) : null;
        if (n == null) {
            reply("-ERR Invalid message number");
        } else {
            action.accept(n);
        }
    }

    /** A message number (RFC 1939 §3: "msg" starts at 1), or null; at most ten digits, within int range. */
    static Integer number(String text) {
        Integer value = count(text);
        return value == null || value == 0 ? null : value;
    }

    /** A non-negative count of at most ten digits within int range, or null. */
    static Integer count(String text) {
        if (text.isEmpty() || text.length() > 10) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return null;
            }
        }
        long value = Long.parseLong(text);
        return value > Integer.MAX_VALUE ? null : (int) value;
    }

    private void quit() {
        state = State.CLOSING;
        upstream.command("QUIT", false).whenCompleteAsync((response, error) -> {
            if (error != null) {
                // In TRANSACTION the deletions may not have been made: say so rather than "+OK".
                closeWith(user == null ? "+OK Bye" : "-ERR [SYS/TEMP] The mail server did not confirm QUIT");
                return;
            }
            ctx.writeAndFlush(response.raw()).addListener(ChannelFutureListener.CLOSE);
        }, ctx.executor());
    }

    // ------------------------------------------------------------------ capabilities, TLS, login

    private boolean loginAllowed() {
        return tlsActive || config.loginWithoutTls();
    }

    /** RFC 2449 CAPA: what the proxy supports end to end, given what the upstream has. */
    private void capa() {
        StringBuilder out = new StringBuilder("+OK Capability list follows\r\n");
        if (upstream.has("TOP")) {
            out.append("TOP\r\n");
        }
        if (upstream.has("UIDL")) {
            out.append("UIDL\r\n");
        }
        if (state == State.AUTHORIZATION && loginAllowed()) {
            if (upstream.has("USER") || !upstream.knowsCapabilities()) {
                out.append("USER\r\n");
            }
            if (upstream.hasSasl("PLAIN")) {
                out.append("SASL PLAIN\r\n");
            }
        }
        if (upstream.has("RESP-CODES")) {
            out.append("RESP-CODES\r\n");
        }
        if (upstream.has("AUTH-RESP-CODE")) {
            out.append("AUTH-RESP-CODE\r\n");
        }
        out.append("PIPELINING\r\n"); // commands are read one at a time, whatever the upstream does
        if (state == State.AUTHORIZATION && config.tls() != null && !tlsActive) {
            out.append("STLS\r\n");
        }
        ctx.write(Unpooled.copiedBuffer(out.append(".\r\n"), StandardCharsets.US_ASCII));
        next();
    }

    private void stls() {
        if (config.tls() == null || tlsActive) {
            reply(tlsActive ? "-ERR TLS already active" : "-ERR STLS not available");
            return;
        }
        send("+OK Begin TLS negotiation");
        ctx.flush(); // in the clear, before the handshake
        decoder.discardBuffered(); // RFC 2595 §4: what was pipelined behind STLS never runs
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

    private void auth(List<String> args) {
        if (!loginAllowed()) {
            reply("-ERR Use STLS first");
            return;
        }
        if (args.isEmpty()) {
            // Not in RFC 5034, but Outlook and others ask this way for the mechanisms; answered as common servers do.
            ctx.write(Unpooled.copiedBuffer("+OK\r\nPLAIN\r\n.\r\n", StandardCharsets.US_ASCII));
            next();
            return;
        }
        if (!args.get(0).equalsIgnoreCase("PLAIN") || args.size() > 2) {
            reply("-ERR Unsupported authentication mechanism");
            return;
        }
        if (args.size() == 2) {
            saslResponse(args.get(1));
            return;
        }
        saslPending = true;
        send("+ ");
        next();
    }

    private void saslResponse(String response) {
        if (response.equals("*")) {
            reply("-ERR Authentication cancelled"); // RFC 5034 §4
            return;
        }
        SaslPlain.Result result = SaslPlain.decode(response);
        if (result instanceof SaslPlain.Refused refused) {
            reply(refused.status());
            return;
        }
        SaslPlain.Credentials credentials = (SaslPlain.Credentials) result;
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(credentials.secret()));
        char[] password = new char[chars.remaining()];
        chars.get(password);
        Arrays.fill(chars.array(), '\0');
        Arrays.fill(credentials.secret(), (byte) 0);
        login(credentials.user(), password);
    }

    /**
     * Logs in upstream with USER/PASS, or AUTH PLAIN when the server has only that; on success unlocks the user's keys
     * with the same password. The password is cleared when done.
     */
    private void login(String name, char[] password) {
        if (!upstream.tlsActive() && !upstreamConfig.allowPlaintextLogin()) {
            Arrays.fill(password, '\0');
            reply("-ERR [SYS/PERM] Logins are disabled: the link to the mail server is not encrypted");
            return;
        }
        if (name.isEmpty() || name.indexOf(' ') >= 0 || !printable(name) || !printable(new String(password))) {
            Arrays.fill(password, '\0');
            reply("-ERR [AUTH] Invalid user name or password");
            return;
        }
        java.util.Optional<Duration> refusal = config.loginGuard().refusal(ctx.channel(), config.keyAddress(name));
        if (refusal.isPresent()) {
            Arrays.fill(password, '\0');
            refuseLater(refusal.get()); // the server has heard enough guesses
            return;
        }
        CompletableFuture<Pop3Response> answer;
        if (upstream.has("USER") || !upstream.knowsCapabilities() || !upstream.hasSasl("PLAIN")) {
            answer = upstream.command("USER " + name, false).thenCompose(response -> {
                if (!response.ok()) {
                    return CompletableFuture.completedFuture(response);
                }
                response.release();
                return upstream.command("PASS " + new String(password), false);
            });
        } else {
            byte[] plain = ("\0" + name + "\0" + new String(password)).getBytes(StandardCharsets.UTF_8);
            answer = upstream.command("AUTH PLAIN " + Base64.getEncoder().encodeToString(plain), false);
            Arrays.fill(plain, (byte) 0);
        }
        then(answer, response -> {
            if (!response.ok()) {
                Arrays.fill(password, '\0');
                String first = response.status().toUpperCase(Locale.ROOT);
                if (first.contains("[IN-USE]") || first.contains("[SYS/")) {
                    ctx.write(response.raw()); // not about the credentials (RFC 2449, RFC 3206): the server's words
                    next();
                    return;
                }
                response.release();
                refuseLater(config.loginGuard().failed(ctx.channel(), config.keyAddress(name)));
                return;
            }
            config.loginGuard().succeeded(ctx.channel(), config.keyAddress(name));
            crypto.unlock(config.keyAddress(name), password).whenCompleteAsync((unlocked, error) -> {
                Arrays.fill(password, '\0');
                if (state == State.CLOSING) {
                    response.release();
                    if (unlocked != null) {
                        unlocked.close();
                    }
                    return;
                }
                keys = unlocked; // null when unlocking failed outright: messages then pass as stored
                user = name;
                state = State.TRANSACTION;
                ctx.write(response.raw());
                upstream.refreshCapabilities().whenCompleteAsync((ignored, refreshError) -> {
                    if (refreshError != null) {
                        upstreamLost();
                    } else {
                        next();
                    }
                }, ctx.executor());
            }, ctx.executor());
        });
    }

    /**
     * Answers a login as failed after {@code delay} (authentication throttling), with one reply whatever the server
     * said, so that an unknown user looks like a wrong password; the next command waits till then.
     */
    private void refuseLater(Duration delay) {
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                reply("-ERR [AUTH] Invalid user name or password");
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** No CR, LF or NUL (they would end or split a command line upstream). */
    private static boolean printable(String text) {
        return text.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0);
    }

    // ------------------------------------------------------------------ sizes

    /** The unique-ids of the maildrop's messages, asked once (empty when the server has no UIDL). */
    private CompletionStage<Map<Integer, String>> uidls() {
        if (uidls != null) {
            return CompletableFuture.completedFuture(uidls);
        }
        if (upstream.knowsCapabilities() && !upstream.has("UIDL")) {
            uidls = Map.of();
            return CompletableFuture.completedFuture(uidls);
        }
        return upstream.command("UIDL", true).thenApplyAsync(response -> {
            Map<Integer, String> found = new HashMap<>();
            try {
                if (response.ok()) {
                    for (String line : response.lines()) {
                        String[] parts = line.trim().split(" +");
                        Integer n = parts.length == 2 ? number(parts[0]) : null;
                        if (n != null) {
                            found.put(n, parts[1]);
                        }
                    }
                }
            } finally {
                response.release();
            }
            uidls = found;
            return found;
        }, ctx.executor());
    }

    /**
     * A message's name in the cache: the login at this upstream (listeners in front of different servers share the
     * cache, and "bob" at one is not "bob" at the other) and its unique-id.
     */
    private DecryptedMaildrop.Key key(String uidl) {
        return new DecryptedMaildrop.Key(user + " at " + upstreamConfig.host() + ":" + upstreamConfig.port(), uidl);
    }

    /** The size the client gets for message n when it was decrypted before, else -1. */
    private int knownSize(Map<Integer, String> uidls, int n) {
        String uidl = uidls.get(n);
        return uidl == null ? -1 : cache.size(key(uidl));
    }

    private boolean anySizeKnown(Map<Integer, String> uidls) {
        return uidls.values().stream().anyMatch(uidl -> cache.size(key(uidl)) >= 0);
    }

    /** STAT with the sizes LIST reports (RFC 1939 §5: the maildrop's size is the sum of its messages'). */
    private void stat() {
        then(uidls().thenCompose(ids -> {
            if (!anySizeKnown(ids)) {
                return upstream.command("STAT", false);
            }
            return upstream.command("LIST", true).thenApply(list -> {
                try {
                    if (!list.ok()) {
                        return list.retain();
                    }
                    long total = 0;
                    int count = 0;
                    for (String line : list.lines()) {
                        String[] parts = line.trim().split(" +");
                        Integer n = parts.length >= 2 ? number(parts[0]) : null;
                        if (n != null) {
                            int known = knownSize(ids, n);
                            total += known >= 0 ? known : Long.parseLong(parts[1]);
                            count++;
                        }
                    }
                    ByteBuf out = Unpooled.copiedBuffer("+OK " + count + " " + total + "\r\n", StandardCharsets.US_ASCII);
                    return new Pop3Response("+OK", out, -1, -1);
                } catch (NumberFormatException e) {
                    return list.retain(); // a listing the proxy does not understand goes as it came
                } finally {
                    list.release();
                }
            });
        }), response -> {
            ctx.write(response.raw());
            next();
        });
    }

    /**
     * LIST, with the decrypted size of every message decrypted before. "LIST n" of an encrypted message not decrypted
     * yet decrypts it first, so that the size a client checks before RETR (fetchmail does, for its --limit and its
     * SMTP SIZE) is the size it then gets.
     */
    private void list(Integer n) {
        then(uidls().thenCompose(ids -> upstream.command(n == null ? "LIST" : "LIST " + n, n == null)
                .thenCompose(response -> n == null || !response.ok() || knownSize(ids, n) >= 0
                        ? CompletableFuture.completedFuture(response)
                        : learnSize(n, ids.get(n)).thenApply(ignored -> response))
                .thenApply(response -> anySizeKnown(ids) && response.ok() ? withKnownSizes(response, ids, n) : response)),
                response -> {
                    ctx.write(response.raw());
                    next();
                });
    }

    /**
     * Decrypts message n when it is encrypted (its header tells, from TOP n 0), which caches it and its size. TOP is
     * tried even when CAPA does not list it (GreenMail has it and does not say so); a server without it answers -ERR
     * and the stored size stands.
     */
    private CompletionStage<Void> learnSize(int n, String uidl) {
        if (uidl == null || keys == null) {
            return CompletableFuture.completedFuture(null);
        }
        return upstream.command("TOP " + n + " 0", true).thenCompose(head -> {
            boolean encrypted = head.ok() && EncryptedHeader.isEncrypted(head.body());
            head.release();
            return encrypted ? peek(n, uidl).thenApply(ignored -> null) : CompletableFuture.completedFuture(null);
        });
    }

    private Pop3Response withKnownSizes(Pop3Response response, Map<Integer, String> ids, Integer n) {
        try {
            if (n != null) { // "+OK n size"
                String[] parts = response.text().trim().split(" +");
                int known = knownSize(ids, n);
                if (parts.length < 2 || known < 0) {
                    return response.retain();
                }
                return new Pop3Response("+OK", Unpooled.copiedBuffer("+OK " + n + " " + known + "\r\n",
                        StandardCharsets.US_ASCII), -1, -1);
            }
            StringBuilder out = new StringBuilder(response.status()).append("\r\n");
            for (String line : response.lines()) {
                String[] parts = line.trim().split(" +");
                Integer number = parts.length >= 2 ? number(parts[0]) : null;
                int known = number == null ? -1 : knownSize(ids, number);
                out.append(known >= 0 ? number + " " + known : line).append("\r\n");
            }
            out.append(".\r\n");
            ByteBuf raw = Unpooled.copiedBuffer(out, StandardCharsets.UTF_8);
            return new Pop3Response(response.status(), raw, 0, 0);
        } finally {
            response.release();
        }
    }

    // ------------------------------------------------------------------ RETR and TOP

    /**
     * RETR n. The server always gets the RETR itself, so that what it does on RETR (Dovecot marks the message \Seen
     * at QUIT) still happens, and its answer says whether the message is there; the plaintext comes from the cache
     * when it has it (no decryption), else from the server's answer.
     */
    private void retr(int n) {
        then(uidls().thenCompose(ids -> {
            String uidl = ids.get(n);
            return upstream.command("RETR " + n, true).thenCompose(response -> {
                if (!response.ok()) {
                    return CompletableFuture.completedFuture(response);
                }
                // As for IMAP: plaintext only for a session that unlocked keys, even from the cache.
                byte[] cached = uidl == null || keys == null ? null : cache.message(key(uidl));
                return (cached != null ? CompletableFuture.completedFuture(cached) : decrypted(response, uidl))
                        .thenApply(plaintext -> {
                            if (plaintext == null) {
                                return response; // plaintext, or not ours to open: as stored
                            }
                            response.release();
                            return message(plaintext);
                        });
            });
        }), response -> {
            ctx.write(response.raw());
            next();
        });
    }

    /** Message n's plaintext, fetched with TOP (no change at the server) and decrypted; null when not encrypted. */
    private CompletionStage<byte[]> peek(int n, String uidl) {
        return upstream.command("TOP " + n + " " + Integer.MAX_VALUE, true).thenCompose(whole ->
                decrypted(whole, uidl).whenComplete((plaintext, error) -> whole.release()));
    }

    /**
     * TOP n k. The server's own TOP says whether the message is there and whether it is encrypted; an encrypted one
     * is cut from its plaintext, cached or else fetched whole (with TOP again: TOP changes nothing at the server) and
     * decrypted.
     */
    private void top(int n, int lines) {
        then(uidls().thenCompose(ids -> upstream.command("TOP " + n + " " + lines, true).thenCompose(head -> {
            if (!head.ok() || keys == null || !EncryptedHeader.isEncrypted(head.body())) {
                return CompletableFuture.completedFuture(head);
            }
            String uidl = ids.get(n);
            byte[] cached = uidl == null ? null : cache.message(key(uidl));
            return (cached != null ? CompletableFuture.completedFuture(cached) : peek(n, uidl)).thenApply(plaintext -> {
                if (plaintext == null) {
                    return head;
                }
                head.release();
                return top(plaintext, lines);
            });
        })), response -> {
            ctx.write(response.raw());
            next();
        });
    }

    /**
     * The plaintext of a stored message the server sent (a "+OK" multi-line response), decrypted off the event loop
     * and cached; null when it is not encrypted or does not open. The response stays the caller's.
     */
    private CompletionStage<byte[]> decrypted(Pop3Response stored, String uidl) {
        if (!stored.ok() || keys == null || !EncryptedHeader.isEncrypted(stored.body())) {
            return CompletableFuture.completedFuture(null);
        }
        return keys.decrypt(DotStuffing.unstuff(stored.body())).handleAsync((plaintext, error) -> {
            if (error != null || plaintext.isEmpty()) {
                return null; // passed on as stored; no partial plaintext exists
            }
            if (uidl != null) {
                cache.put(key(uidl), plaintext.get());
            }
            return plaintext.get();
        }, ctx.executor());
    }

    /** A RETR answer from a message's octets. */
    private Pop3Response message(byte[] message) {
        ByteBuf out = ctx.alloc().buffer(message.length + message.length / 32 + 64);
        out.writeCharSequence("+OK " + message.length + " octets\r\n", StandardCharsets.US_ASCII);
        DotStuffing.stuff(message, 0, message.length, out);
        return new Pop3Response("+OK", out, 0, 0);
    }

    /**
     * A TOP answer from a message's octets (RFC 1939 §7): the header section, the blank line after it, and the first
     * {@code lines} lines of the body.
     */
    private Pop3Response top(byte[] message, int lines) {
        int headerEnd = indexOf(message, new byte[] {'\r', '\n', '\r', '\n'});
        int end = message.length;
        if (headerEnd >= 0) {
            end = headerEnd + 4;
            for (int line = 0; line < lines && end < message.length; line++) {
                while (end < message.length && message[end] != '\n') {
                    end++;
                }
                end = Math.min(message.length, end + 1);
            }
        }
        ByteBuf out = ctx.alloc().buffer(end + end / 32 + 32);
        out.writeCharSequence("+OK\r\n", StandardCharsets.US_ASCII);
        DotStuffing.stuff(message, 0, end, out);
        return new Pop3Response("+OK", out, 0, 0);
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

}
