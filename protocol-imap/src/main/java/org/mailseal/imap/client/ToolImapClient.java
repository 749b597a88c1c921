package org.mailseal.imap.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.JdkSslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.mailseal.imap.FetchResponse;
import org.mailseal.imap.ImapReader;
import org.mailseal.imap.ImapSyntaxException;
import org.mailseal.imap.ImapUpstreamConfig;

/**
 * A small blocking IMAP client for command-line tools (rekey, sync): one command at a time over a plain socket,
 * TLS as {@link ImapUpstreamConfig} says (hostname verification always on; STARTTLS is required when configured,
 * never silently skipped). Every response is bounded: a line between literals by {@link #MAX_LINE}, a literal by
 * the configuration's {@code maxMessageBytes}. Responses are parsed strictly with {@link ImapReader}; anything
 * unexpected is an {@link ImapClientException}. Not thread-safe.
 */
public final class ToolImapClient implements AutoCloseable {
    /** The longest response line (between literals) accepted. */
    public static final int MAX_LINE = 64 * 1024;

    private final ImapUpstreamConfig config;
    private final ImapWire wire;
    private boolean encrypted;
    private Set<String> capabilities = Set.of();

    private ToolImapClient(ImapUpstreamConfig config) {
        this.config = config;
        this.wire = new ImapWire(config.maxMessageBytes());
    }

    /** Connects, reads the greeting, negotiates TLS as configured and learns the capabilities. */
    public static ToolImapClient connect(ImapUpstreamConfig config) throws IOException {
        ToolImapClient client = new ToolImapClient(config);
        try {
            client.open();
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void open() throws IOException {
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress(config.host(), config.port()), (int) config.connectTimeout().toMillis());
        raw.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.commandTimeout().toMillis()));
        useSocket(config.tls() == ImapUpstreamConfig.TlsMode.IMPLICIT ? startTls(raw) : raw);
        byte[] greeting = wire.readUnit();
        String text = ImapWire.ascii(greeting);
        if (text.startsWith("* BYE")) {
            throw new ImapClientException("server refused the connection");
        }
        if (!text.startsWith("* OK") && !text.startsWith("* PREAUTH")) {
            throw new ImapClientException("unexpected greeting");
        }
        refreshCapabilities();
        if (config.tls() == ImapUpstreamConfig.TlsMode.STARTTLS) {
            if (!capabilities.contains("STARTTLS")) {
                throw new ImapClientException("server does not offer STARTTLS");
            }
            wire.command("STARTTLS");
            // RFC 3501 §6.2.1: what the server said before TLS is discarded, capabilities asked again.
            useSocket(startTls(wire.socket()));
            refreshCapabilities();
        }
    }

    private Socket startTls(Socket raw) throws IOException {
        if (!(config.sslContext() instanceof JdkSslContext jdk)) {
            throw new ImapClientException("the tool client needs a JDK SSL context");
        }
        SSLContext context = jdk.context();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, config.host(), config.port(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // hostname verification (RFC 6125)
        tls.setSSLParameters(parameters);
        tls.setUseClientMode(true);
        tls.startHandshake();
        encrypted = true;
        return tls;
    }

    private void useSocket(Socket s) throws IOException {
        wire.use(s);
    }

    public Set<String> capabilities() {
        return capabilities;
    }

    public boolean hasCapability(String name) {
        return capabilities.contains(name.toUpperCase(Locale.ROOT));
    }

    private void refreshCapabilities() throws IOException {
        ImapWire.Response r = wire.command("CAPABILITY");
        Set<String> caps = new LinkedHashSet<>();
        for (byte[] unit : r.untagged()) {
            String line = ImapWire.ascii(unit).trim();
            if (line.regionMatches(true, 0, "* CAPABILITY ", 0, 13)) {
                for (String cap : line.substring(13).split(" ")) {
                    caps.add(cap.toUpperCase(Locale.ROOT));
                }
            }
        }
        capabilities = Set.copyOf(caps);
    }

    /** LOGIN (RFC 3501 §6.2.3); over an unencrypted link only when the configuration allows it (invariant 5). */
    public void login(String user, char[] password) throws IOException {
        if (!encrypted && !config.allowPlaintextLogin()) {
            throw new ImapClientException("refusing to send a password over an unencrypted link");
        }
        byte[] pass = new String(password).getBytes(StandardCharsets.UTF_8);
        try {
            wire.command("LOGIN ", astring(user.getBytes(StandardCharsets.UTF_8)), " ", astring(pass));
        } catch (ImapClientException e) {
            throw new ImapClientException("login failed for " + user);
        } finally {
            java.util.Arrays.fill(pass, (byte) 0);
        }
        refreshCapabilities();
    }

    /** LIST "" "*": the selectable mailboxes, names as the server wrote them (modified UTF-7). */
    public List<String> list() throws IOException {
        ImapWire.Response r = wire.command("LIST \"\" \"*\"");
        List<String> names = new ArrayList<>();
        for (byte[] unit : r.untagged()) {
            ImapReader reader = reader(unit);
            if (!ImapWire.startsWith(unit, "* LIST ")) {
                continue;
            }
            try {
                reader.expect('*');
                reader.space();
                reader.atom();
                reader.space();
                int start = reader.position();
                reader.skipValue();
                String attributes = unit.length > 0 ? new String(unit, start, reader.position() - start,
                        StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT) : "";
                reader.space();
                reader.nstring(); // delimiter
                reader.space();
                byte[] name = reader.astring();
                reader.expectEnd();
                if (!attributes.contains("\\noselect") && !attributes.contains("\\nonexistent")) {
                    names.add(new String(name, StandardCharsets.UTF_8));
                }
            } catch (ImapSyntaxException e) {
                throw new ImapClientException("malformed LIST response");
            }
        }
        return names;
    }

    /** CREATE (RFC 3501 §6.3.3). */
    public void create(String mailbox) throws IOException {
        wire.command("CREATE ", astring(mailbox));
    }

    /** SELECT (read-write). */
    public SelectedMailbox select(String mailbox) throws IOException {
        ImapWire.Response r = wire.command("SELECT ", astring(mailbox));
        long exists = -1;
        long uidValidity = 0;
        long uidNext = 0;
        for (byte[] unit : r.untagged()) {
            String line = ImapWire.ascii(unit).trim();
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.endsWith(" EXISTS")) {
                exists = number(line.substring(2, line.length() - 7));
            } else if (upper.startsWith("* OK [UIDVALIDITY ")) {
                uidValidity = number(line.substring(18, line.indexOf(']')));
            } else if (upper.startsWith("* OK [UIDNEXT ")) {
                uidNext = number(line.substring(14, line.indexOf(']')));
            }
        }
        if (exists < 0 || uidValidity == 0) {
            throw new ImapClientException("SELECT did not report EXISTS and UIDVALIDITY");
        }
        return new SelectedMailbox(mailbox, exists, uidValidity, uidNext);
    }

    /** UID SEARCH with a fixed criterion (ALL, DELETED, ...), in ascending order. */
    public List<Long> uidSearch(String criteria) throws IOException {
        if (!criteria.matches("[A-Za-z0-9 :*,\\\\]+")) {
            throw new IllegalArgumentException("unsupported search criteria");
        }
        return searchResults(wire.command("UID SEARCH " + criteria));
    }

    /**
     * UID SEARCH HEADER field value (RFC 3501 §6.4.4): the UIDs whose header {@code field} contains {@code value}
     * (a substring match, so callers confirm candidates), in ascending order. Both must be printable ASCII.
     */
    public List<Long> uidSearchHeader(String field, String value) throws IOException {
        if (!field.matches("[\\x21-\\x39\\x3b-\\x7e]+") || !value.matches("[\\x20-\\x7e]+")) {
            throw new IllegalArgumentException("a header search needs a field name and a printable ASCII value");
        }
        return searchResults(wire.command("UID SEARCH HEADER ", astring(field), " ", astring(value)));
    }

    private static List<Long> searchResults(ImapWire.Response r) throws ImapClientException {
        List<Long> uids = new ArrayList<>();
        for (byte[] unit : r.untagged()) {
            String line = ImapWire.ascii(unit).trim();
            if (line.regionMatches(true, 0, "* SEARCH", 0, 8)) {
                for (String n : line.substring(8).trim().split(" ")) {
                    if (!n.isEmpty()) {
                        uids.add(number(n));
                    }
                }
            }
        }
        uids.sort(null);
        return uids;
    }

    /** A FETCH response, or null for another untagged response. */
    private static FetchResponse fetchResponse(byte[] unit) throws ImapClientException {
        try {
            return FetchResponse.parse(Unpooled.wrappedBuffer(unit));
        } catch (ImapSyntaxException e) {
            throw new ImapClientException("malformed FETCH response");
        }
    }

    /** UID → RFC822.SIZE of every message in the selected mailbox (UID FETCH 1:* (RFC822.SIZE)), by UID. */
    public java.util.SortedMap<Long, Long> sizes() throws IOException {
        ImapWire.Response r = wire.command("UID FETCH 1:* (UID RFC822.SIZE)");
        java.util.SortedMap<Long, Long> sizes = new java.util.TreeMap<>();
        for (byte[] unit : r.untagged()) {
            FetchResponse fetch = fetchResponse(unit);
            if (fetch == null || fetch.item("UID") == null || fetch.item("RFC822.SIZE") == null) {
                continue;
            }
            sizes.put(number(fetch.value(fetch.item("UID")).toString(StandardCharsets.US_ASCII)),
                    number(fetch.value(fetch.item("RFC822.SIZE")).toString(StandardCharsets.US_ASCII)));
        }
        return sizes;
    }

    /**
     * UID FETCH of FLAGS, INTERNALDATE, RFC822.SIZE and BODY.PEEK[] (PEEK: \Seen is not set); empty when the UID no
     * longer exists.
     */
    public Optional<StoredMessage> fetch(long uid) throws IOException {
        ImapWire.Response r = wire.command("UID FETCH " + uid + " (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])");
        for (byte[] unit : r.untagged()) {
            FetchResponse fetch = fetchResponse(unit);
            if (fetch == null) {
                continue;
            }
            FetchResponse.Item uidItem = fetch.item("UID");
            if (uidItem == null || number(fetch.value(uidItem).toString(StandardCharsets.US_ASCII)) != uid) {
                continue; // an unsolicited FETCH for another message (a flag change by another client)
            }
            FetchResponse.Item flags = fetch.item("FLAGS");
            FetchResponse.Item date = fetch.item("INTERNALDATE");
            FetchResponse.Item size = fetch.item("RFC822.SIZE");
            FetchResponse.Item body = fetch.item("BODY[]");
            if (flags == null || date == null || size == null || body == null) {
                throw new ImapClientException("FETCH response lacks an item for UID " + uid);
            }
            byte[] content = fetch.stringValue(body);
            if (content == null) {
                throw new ImapClientException("FETCH returned NIL for UID " + uid);
            }
            return Optional.of(new StoredMessage(uid, flagList(fetch.value(flags)),
                    new String(fetch.stringValue(date), StandardCharsets.US_ASCII),
                    number(fetch.value(size).toString(StandardCharsets.US_ASCII)), content));
        }
        return Optional.empty();
    }

    private static List<String> flagList(ByteBuf value) throws ImapClientException {
        String text = value.toString(StandardCharsets.US_ASCII);
        if (!text.startsWith("(") || !text.endsWith(")")) {
            throw new ImapClientException("malformed FLAGS");
        }
        List<String> flags = new ArrayList<>();
        for (String flag : text.substring(1, text.length() - 1).split(" ")) {
            if (!flag.isEmpty() && !flag.equalsIgnoreCase("\\Recent")) {
                flags.add(flag);
            }
        }
        return flags;
    }

    /**
     * APPEND with flags and internal date (RFC 3501 §6.3.11); returns APPENDUID when the server has UIDPLUS.
     */
    public Optional<AppendedMessage> append(String mailbox, List<String> flags, String internalDate, byte[] message)
            throws IOException {
        for (String flag : flags) {
            if (!flag.matches("\\\\?[\\x21-\\x7e&&[^(){%*\"\\\\\\]]]+")) {
                throw new IllegalArgumentException("not a flag");
            }
        }
        if (message.length > config.maxMessageBytes()) {
            throw new ImapClientException("message larger than " + config.maxMessageBytes() + " bytes");
        }
        ImapWire.Response r = wire.command("APPEND ", astring(mailbox), " (" + String.join(" ", flags) + ") ", astring(internalDate),
                " ", astring(message));
        String code = r.code().toUpperCase(Locale.ROOT);
        if (code.startsWith("APPENDUID ")) {
            String[] parts = code.split(" ");
            if (parts.length == 3) {
                return Optional.of(new AppendedMessage(number(parts[1]), number(parts[2])));
            }
            throw new ImapClientException("malformed APPENDUID");
        }
        return Optional.empty();
    }

    /** UID STORE uid +FLAGS.SILENT (flags). */
    public void addFlags(long uid, List<String> flags) throws IOException {
        wire.command("UID STORE " + uid + " +FLAGS.SILENT (" + String.join(" ", flags) + ")");
    }

    /** UID EXPUNGE of one UID (RFC 4315 §2.1); needs UIDPLUS. */
    public void uidExpunge(long uid) throws IOException {
        if (!hasCapability("UIDPLUS")) {
            throw new ImapClientException("server lacks UIDPLUS");
        }
        wire.command("UID EXPUNGE " + uid);
    }

    /** EXPUNGE of every \Deleted message in the mailbox; callers check first that only theirs are marked. */
    public void expungeAll() throws IOException {
        wire.command("EXPUNGE");
    }

    public void logout() throws IOException {
        wire.command("LOGOUT");
    }

    @Override
    public void close() {
        if (wire.socket() != null) {
            try {
                wire.socket().close();
            } catch (IOException ignored) {
                // nothing to release beyond the socket
            }
        }
    }

    private static ImapWire.Astring astring(byte[] data) {
        return new ImapWire.Astring(data);
    }

    private static ImapWire.Astring astring(String value) {
        return astring(value.getBytes(StandardCharsets.UTF_8));
    }

    private static ImapReader reader(byte[] unit) {
        return new ImapReader(Unpooled.wrappedBuffer(unit));
    }

    private static long number(String text) throws ImapClientException {
        String t = text.trim();
        if (t.isEmpty() || t.length() > 19 || !t.chars().allMatch(Character::isDigit)) {
            throw new ImapClientException("expected a number");
        }
        return Long.parseLong(t);
    }
}
