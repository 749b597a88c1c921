package org.mailseal.imap.client;

import io.netty.handler.ssl.JdkSslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.mailseal.imap.FetchResponse;
import org.mailseal.imap.ImapReader;
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
    private Set<String> ignored = Set.of();
    private final Set<String> enabled = new LinkedHashSet<>();
    /** Messages in the selected mailbox as the server last said (EXISTS, EXPUNGE, VANISHED); -1 when none selected. */
    private long exists = -1;
    /** Whether an untagged response since the last reset said the selected mailbox changed. */
    private boolean changed;

    private ToolImapClient(ImapUpstreamConfig config) {
        this.config = config;
        this.wire = new ImapWire(config.maxMessageBytes());
        wire.watch(this::watch);
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
        caps.removeAll(ignored);
        capabilities = Set.copyOf(caps);
        wire.literalPlus(capabilities.contains("LITERAL+"));
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
        return list("*").stream().filter(ListEntry::selectable).map(ListEntry::name).toList();
    }

    /** CREATE (RFC 3501 §6.3.3). */
    public void create(String mailbox) throws IOException {
        wire.command("CREATE ", astring(mailbox));
    }

    /** DELETE (RFC 3501 §6.3.4). */
    public void delete(String mailbox) throws IOException {
        wire.command("DELETE ", astring(mailbox));
    }

    /**
     * Leaves the selected mailbox without expunging anything: UNSELECT (RFC 3691) where the server has it, else
     * EXAMINE of INBOX (read-only, so nothing changes there).
     */
    public void unselect() throws IOException {
        if (hasCapability("UNSELECT")) {
            wire.command("UNSELECT");
        } else {
            wire.command("EXAMINE INBOX");
        }
    }

    /** SELECT (read-write). */
    public SelectedMailbox select(String mailbox) throws IOException {
        return select(mailbox, false);
    }

    /**
     * SELECT (read-write); with {@code condstore}, on a server that has CONDSTORE and has not enabled it yet, as
     * {@code SELECT mailbox (CONDSTORE)} (RFC 7162 §3.1.8) so that it reports HIGHESTMODSEQ.
     */
    public SelectedMailbox select(String mailbox, boolean condstore) throws IOException {
        exists = -1;
        boolean withCondstore = condstore && hasCapability("CONDSTORE") && !enabled.contains("CONDSTORE");
        ImapWire.Response r = withCondstore ? wire.command("SELECT ", astring(mailbox), " (CONDSTORE)")
                : wire.command("SELECT ", astring(mailbox));
        long uidValidity = 0;
        long uidNext = 0;
        long highestModSeq = 0;
        for (byte[] unit : r.untagged()) {
            String line = ImapWire.ascii(unit).trim();
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.startsWith("* OK [UIDVALIDITY ")) {
                uidValidity = ImapResponses.number(line.substring(18, line.indexOf(']')));
            } else if (upper.startsWith("* OK [UIDNEXT ")) {
                uidNext = ImapResponses.number(line.substring(14, line.indexOf(']')));
            } else if (upper.startsWith("* OK [HIGHESTMODSEQ ")) {
                highestModSeq = ImapResponses.number(line.substring(20, line.indexOf(']')));
            }
        }
        if (exists < 0 || uidValidity == 0) {
            throw new ImapClientException("SELECT did not report EXISTS and UIDVALIDITY");
        }
        return new SelectedMailbox(mailbox, exists, uidValidity, uidNext, highestModSeq);
    }

    /** UID SEARCH with a fixed criterion (ALL, DELETED, ...), in ascending order. */
    public List<Long> uidSearch(String criteria) throws IOException {
        if (!criteria.matches("[A-Za-z0-9 :*,\\\\]+")) {
            throw new IllegalArgumentException("unsupported search criteria");
        }
        return ImapResponses.searchUids(wire.command("UID SEARCH " + criteria).untagged());
    }

    /**
     * UID SEARCH HEADER field value (RFC 3501 §6.4.4): the UIDs whose header {@code field} contains {@code value}
     * (a substring match, so callers confirm candidates), in ascending order. Both must be printable ASCII.
     */
    public List<Long> uidSearchHeader(String field, String value) throws IOException {
        if (!field.matches("[\\x21-\\x39\\x3b-\\x7e]+") || !value.matches("[\\x20-\\x7e]+")) {
            throw new IllegalArgumentException("a header search needs a field name and a printable ASCII value");
        }
        return ImapResponses.searchUids(
                wire.command("UID SEARCH HEADER ", astring(field), " ", astring(value)).untagged());
    }

    /** UID → RFC822.SIZE of every message in the selected mailbox (UID FETCH 1:* (UID FLAGS RFC822.SIZE)), by UID. */
    public SortedMap<Long, Long> sizes() throws IOException {
        SortedMap<Long, Long> sizes = new TreeMap<>();
        flagsAndSizes("1:*", 0).messages().forEach((uid, m) -> sizes.put(uid, m.size()));
        return sizes;
    }

    /**
     * UID FETCH of FLAGS, INTERNALDATE, RFC822.SIZE and BODY.PEEK[] (PEEK: \Seen is not set); empty when the UID no
     * longer exists.
     */
    public Optional<StoredMessage> fetch(long uid) throws IOException {
        return fetch(Long.toString(uid)).stream().findFirst();
    }

    /**
     * APPEND with flags and internal date (RFC 3501 §6.3.11); returns APPENDUID when the server has UIDPLUS.
     */
    public Optional<AppendedMessage> append(String mailbox, List<String> flags, String internalDate, byte[] message)
            throws IOException {
        requireFlags(flags);
        if (message.length > config.maxMessageBytes()) {
            throw new ImapClientException("message larger than " + config.maxMessageBytes() + " bytes");
        }
        ImapWire.Response r = wire.command("APPEND ", astring(mailbox), " (" + String.join(" ", flags) + ") ",
                astring(internalDate), " ", new ImapWire.Literal(message));
        String code = r.code().toUpperCase(Locale.ROOT);
        if (code.startsWith("APPENDUID ")) {
            String[] parts = code.split(" ");
            if (parts.length == 3) {
                return Optional.of(new AppendedMessage(ImapResponses.number(parts[1]), ImapResponses.number(parts[2])));
            }
            throw new ImapClientException("malformed APPENDUID");
        }
        return Optional.empty();
    }

    /** UID STORE uid +FLAGS.SILENT (flags). */
    public void addFlags(long uid, List<String> flags) throws IOException {
        storeFlags(Long.toString(uid), true, flags);
    }

    /** UID EXPUNGE of one UID (RFC 4315 §2.1); needs UIDPLUS. */
    public void uidExpunge(long uid) throws IOException {
        uidExpunge(Long.toString(uid));
    }

    /** EXPUNGE of every \Deleted message in the mailbox; callers check first that only theirs are marked. */
    public void expungeAll() throws IOException {
        wire.command("EXPUNGE");
    }

    /**
     * Treats these capabilities as absent from now on, as if the server had not advertised them (tests of the
     * fallbacks; a server whose extension is known to be broken). Call before {@link #login}.
     */
    public void ignoreCapabilities(Set<String> names) throws IOException {
        Set<String> upper = new LinkedHashSet<>();
        names.forEach(n -> upper.add(n.toUpperCase(Locale.ROOT)));
        ignored = Set.copyOf(upper);
        refreshCapabilities();
    }

    /** ENABLE (RFC 5161) of those extensions the server advertises; returns what the server enabled. */
    public Set<String> enable(String... extensions) throws IOException {
        List<String> wanted = new ArrayList<>();
        for (String e : extensions) {
            if (!e.matches("[A-Za-z0-9=+-]+")) {
                throw new IllegalArgumentException("not an extension name");
            }
            if (hasCapability(e)) {
                wanted.add(e.toUpperCase(Locale.ROOT));
            }
        }
        if (wanted.isEmpty() || !hasCapability("ENABLE")) {
            return Set.of();
        }
        for (byte[] unit : wire.command("ENABLE " + String.join(" ", wanted)).untagged()) {
            String line = ImapWire.ascii(unit).trim();
            if (line.regionMatches(true, 0, "* ENABLED", 0, 9)) {
                for (String e : line.substring(9).trim().split(" ")) {
                    if (!e.isEmpty()) {
                        enabled.add(e.toUpperCase(Locale.ROOT));
                    }
                }
            }
        }
        if (enabled.contains("QRESYNC")) {
            enabled.add("CONDSTORE"); // RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE
        }
        return Set.copyOf(enabled);
    }

    public boolean isEnabled(String extension) {
        return enabled.contains(extension.toUpperCase(Locale.ROOT));
    }

    /** A LIST response (RFC 3501 §7.2.2): name as written, delimiter (0 for NIL), lower-case attributes. */
    public record ListEntry(String name, char delimiter, Set<String> attributes) {
        public boolean selectable() {
            return !attributes.contains("\\noselect") && !attributes.contains("\\nonexistent");
        }
    }

    /** LIST "" pattern, every entry the server answered (selectable or not). */
    public List<ListEntry> list(String pattern) throws IOException {
        List<ListEntry> entries = new ArrayList<>();
        for (byte[] unit : wire.command("LIST \"\" ", astring(pattern)).untagged()) {
            if (ImapWire.startsWith(unit, "* LIST ")) {
                entries.add(ImapResponses.listEntry(unit));
            }
        }
        return entries;
    }

    /** Messages in the selected mailbox as the server last reported; -1 when none is selected. */
    public long exists() {
        return exists;
    }

    /** How many commands were sent on this connection (to tell whether one came after another). */
    public int commandsSent() {
        return wire.commandsSent();
    }

    /** NOOP; true if the server reported a change of the selected mailbox meanwhile (RFC 3501 §6.1.2). */
    public boolean noop() throws IOException {
        changed = false;
        wire.command("NOOP");
        return changed;
    }

    /**
     * Waits until the selected mailbox changes (an untagged EXISTS, EXPUNGE, FETCH or VANISHED) or the timeout
     * passes: IDLE (RFC 2177) when the server has it, else NOOP every {@code pollInterval}.
     *
     * @return true if the mailbox changed
     */
    public boolean idle(Duration timeout, Duration pollInterval) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        changed = false;
        if (!hasCapability("IDLE")) {
            while (!noop()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    Thread.sleep(Math.max(1, Math.min(left, pollInterval.toNanos()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for mailbox changes");
                }
            }
            return true;
        }
        ImapWire.Untagged ignore = unit -> { };
        String tag = wire.send(ignore, "IDLE");
        wire.awaitContinuation(tag, ignore);
        while (!changed) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !wire.awaitData(Duration.ofNanos(left))) {
                break;
            }
            byte[] unit = wire.readUnit();
            if (ImapWire.startsWith(unit, tag + " ")) {
                ImapWire.tagged(tag, unit); // the server ended IDLE on its own
                return changed;
            }
            if (!ImapWire.startsWith(unit, "* ")) {
                throw new ImapClientException("unexpected response line during IDLE");
            }
            watch(unit);
        }
        wire.writeLine("DONE");
        wire.finish(tag, ignore);
        return changed;
    }

    /** Tracks the selected mailbox's size and whether it changed, from any untagged response. */
    private void watch(byte[] unit) throws ImapClientException {
        if (ImapWire.startsWith(unit, "* VANISHED ")) {
            // RFC 7162 §3.2.10: without (EARLIER), expunged now by this or another session; with it, an answer
            if (!ImapWire.startsWith(unit, "* VANISHED (EARLIER)")) {
                exists = Math.max(0, exists - ImapResponses.vanished(unit).size());
                changed = true;
            }
            return;
        }
        int end = 0;
        while (end < unit.length && end < 40 && unit[end] != '\r' && unit[end] != '(') {
            end++;
        }
        String[] words = new String(unit, 0, end, StandardCharsets.ISO_8859_1).trim().split(" ");
        if (words.length != 3 || words[1].isEmpty() || !words[1].chars().allMatch(Character::isDigit)) {
            return;
        }
        switch (words[2].toUpperCase(Locale.ROOT)) {
            case "EXISTS" -> {
                long n = ImapResponses.number(words[1]);
                changed |= n != exists && exists >= 0;
                exists = n;
            }
            case "EXPUNGE" -> {
                exists = Math.max(0, exists - 1);
                changed = true;
            }
            case "FETCH" -> changed = true;
            default -> { }
        }
    }

    /** A message's UID, flags (without \Recent) and RFC822.SIZE. */
    public record FlagsAndSize(long uid, List<String> flags, long size) {}

    /** What a UID FETCH of flags and sizes answered: the messages, and with VANISHED the UIDs expunged. */
    public record FlagsAndSizes(SortedMap<Long, FlagsAndSize> messages, UidSet vanished) {}

    /**
     * UID FETCH set (UID FLAGS RFC822.SIZE); with {@code changedSince} above 0 with the CHANGEDSINCE modifier, and
     * VANISHED when QRESYNC is enabled (RFC 7162 §3.1.4, §3.2.6). Unsolicited FETCH responses without UID are left
     * out; every VANISHED the server sends meanwhile is collected.
     */
    public FlagsAndSizes flagsAndSizes(String uidSet, long changedSince) throws IOException {
        requireSet(uidSet);
        String modifier = "";
        if (changedSince > 0) {
            if (!isEnabled("CONDSTORE")) {
                throw new ImapClientException("CHANGEDSINCE needs CONDSTORE enabled");
            }
            modifier = " (CHANGEDSINCE " + changedSince + (isEnabled("QRESYNC") ? " VANISHED)" : ")");
        }
        SortedMap<Long, FlagsAndSize> messages = new TreeMap<>();
        UidSet[] vanished = {UidSet.EMPTY};
        wire.command(unit -> {
            if (ImapWire.startsWith(unit, "* VANISHED ")) {
                vanished[0] = vanished[0].union(ImapResponses.vanished(unit));
                return;
            }
            FetchResponse fetch = ImapResponses.fetch(unit);
            if (fetch == null || fetch.item("UID") == null) {
                return;
            }
            FetchResponse.Item flags = fetch.item("FLAGS");
            FetchResponse.Item size = fetch.item("RFC822.SIZE");
            if (flags == null || size == null) {
                return; // an unsolicited flag update of another command's making carries no size
            }
            long uid = ImapResponses.uid(fetch);
            messages.put(uid, new FlagsAndSize(uid, ImapResponses.flags(fetch.value(flags)),
                    ImapResponses.number(fetch, size)));
        }, "UID FETCH " + uidSet + " (UID FLAGS RFC822.SIZE)" + modifier);
        return new FlagsAndSizes(messages, vanished[0]);
    }

    /**
     * The value of one header field of each message in the set (UID FETCH set (UID BODY.PEEK[HEADER.FIELDS
     * (field)])), unfolded and trimmed (RFC 5322 §2.2.3), by UID; messages without the field, or whose value is
     * not printable ASCII, are left out.
     */
    public Map<Long, String> headerField(String uidSet, String field) throws IOException {
        requireSet(uidSet);
        if (!field.matches("[\\x21-\\x39\\x3b-\\x7e&&[^()\\[\\]\"\\\\]]+")) {
            throw new IllegalArgumentException("not a header field name");
        }
        Map<Long, String> values = new TreeMap<>();
        wire.command(unit -> {
            FetchResponse fetch = ImapResponses.fetch(unit);
            if (fetch == null || fetch.item("UID") == null) {
                return;
            }
            for (FetchResponse.Item item : fetch.items()) {
                if (item.name().startsWith("BODY[HEADER.FIELDS")) {
                    byte[] header = fetch.stringValue(item);
                    String value = header == null ? null : ImapResponses.fieldValue(header, field);
                    if (value != null) {
                        values.put(ImapResponses.uid(fetch), value);
                    }
                }
            }
        }, "UID FETCH " + uidSet + " (UID BODY.PEEK[HEADER.FIELDS (" + field + ")])");
        return values;
    }

    /**
     * UID FETCH set of FLAGS, INTERNALDATE, RFC822.SIZE and BODY.PEEK[] (\Seen is not set), in UID order; UIDs that
     * no longer exist and unsolicited FETCH responses (no UID, or a UID not asked for) are left out.
     */
    public List<StoredMessage> fetch(String uidSet) throws IOException {
        requireSet(uidSet);
        UidSet wanted = UidSet.parse(uidSet);
        SortedMap<Long, StoredMessage> messages = new TreeMap<>();
        wire.command(unit -> {
            FetchResponse fetch = ImapResponses.fetch(unit);
            if (fetch == null || fetch.item("UID") == null || !wanted.contains(ImapResponses.uid(fetch))) {
                return;
            }
            long uid = ImapResponses.uid(fetch);
            FetchResponse.Item flags = fetch.item("FLAGS");
            FetchResponse.Item date = fetch.item("INTERNALDATE");
            FetchResponse.Item size = fetch.item("RFC822.SIZE");
            FetchResponse.Item body = fetch.item("BODY[]");
            if (body == null) {
                return; // a flag update of another client's making, not our answer
            }
            if (flags == null || date == null || size == null) {
                throw new ImapClientException("FETCH response lacks an item for UID " + uid);
            }
            byte[] content = fetch.stringValue(body);
            if (content == null) {
                return; // expunged by another session, not yet announced to this one (Dovecot answers NIL)
            }
            messages.put(uid, new StoredMessage(uid, ImapResponses.flags(fetch.value(flags)),
                    new String(fetch.stringValue(date), StandardCharsets.US_ASCII), ImapResponses.number(fetch, size),
                    content));
        }, "UID FETCH " + uidSet + " (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])");
        return List.copyOf(messages.values());
    }

    /** The most one APPEND command carries, so that a batch neither times out nor fills the server's buffers. */
    public static final long MAX_APPEND_BATCH = 16L << 20;

    /**
     * Appends messages with their flags and internal dates, in order, and returns where each went (APPENDUID,
     * RFC 4315 §3). Several per command with MULTIAPPEND (RFC 3502), up to {@link #MAX_APPEND_BATCH} bytes, with
     * non-synchronising literals when the server has LITERAL+ (RFC 7888). Needs UIDPLUS.
     */
    public List<AppendedMessage> appendAll(String mailbox, List<StoredMessage> messages) throws IOException {
        if (!hasCapability("UIDPLUS")) {
            throw new ImapClientException("server lacks UIDPLUS, so appended messages cannot be found again");
        }
        for (StoredMessage m : messages) {
            requireFlags(m.flags());
            if (m.content().length > config.maxMessageBytes()) {
                throw new ImapClientException("message larger than " + config.maxMessageBytes() + " bytes");
            }
            if (m.internalDate() != null && !m.internalDate().matches("[ 0-9A-Za-z:+-]{1,40}")) {
                throw new IllegalArgumentException("not an internal date");
            }
        }
        boolean multi = hasCapability("MULTIAPPEND");
        List<AppendedMessage> placed = new ArrayList<>(messages.size());
        int from = 0;
        while (from < messages.size()) {
            int to = from + 1;
            long bytes = messages.get(from).content().length;
            while (multi && to < messages.size() && bytes + messages.get(to).content().length <= MAX_APPEND_BATCH) {
                bytes += messages.get(to++).content().length;
            }
            placed.addAll(appendBatch(mailbox, messages.subList(from, to)));
            from = to;
        }
        return placed;
    }

    private List<AppendedMessage> appendBatch(String mailbox, List<StoredMessage> batch) throws IOException {
        List<Object> parts = new ArrayList<>(List.of("APPEND ", astring(mailbox)));
        for (StoredMessage m : batch) {
            parts.add(" (" + String.join(" ", m.flags()) + ") ");
            if (m.internalDate() != null) {
                parts.add(astring(m.internalDate()));
                parts.add(" ");
            }
            parts.add(new ImapWire.Literal(m.content()));
        }
        String code = wire.command(unit -> { }, parts.toArray());
        String[] words = code.split(" ");
        if (words.length != 3 || !words[0].equalsIgnoreCase("APPENDUID")) {
            throw new ImapClientException("APPEND answered without APPENDUID");
        }
        long uidValidity = ImapResponses.number(words[1]);
        // RFC 4315 §3: the UIDs in the order the messages were appended, which servers allocate ascending.
        List<Long> uids = UidSet.parse(words[2]).toList(batch.size());
        if (uids.size() != batch.size()) {
            throw new ImapClientException("APPENDUID names " + uids.size() + " UIDs for " + batch.size() + " messages");
        }
        List<AppendedMessage> placed = new ArrayList<>(uids.size());
        uids.forEach(uid -> placed.add(new AppendedMessage(uidValidity, uid)));
        return placed;
    }

    /** UID STORE set +FLAGS.SILENT (flags) or -FLAGS.SILENT (flags). */
    public void storeFlags(String uidSet, boolean add, Collection<String> flags) throws IOException {
        requireSet(uidSet);
        requireFlags(flags);
        wire.command("UID STORE " + uidSet + (add ? " +" : " -") + "FLAGS.SILENT (" + String.join(" ", flags) + ")");
    }

    /** The most commands {@link #storeFlags(List)} sends before reading their answers. */
    static final int MAX_PIPELINED = 16;

    /** One UID STORE of flags: add or remove {@code flags} on the messages of {@code uidSet}. */
    public record FlagStore(String uidSet, boolean add, Collection<String> flags) {}

    /**
     * Several UID STOREs (.SILENT), sent together and answered in order: one round trip for all of them. UID
     * commands may be pipelined (RFC 3501 §5.5: no sequence numbers to make them ambiguous). Every answer is read
     * even when one is a refusal; the first refusal is then thrown.
     */
    public void storeFlags(List<FlagStore> stores) throws IOException {
        for (FlagStore store : stores) {
            requireSet(store.uidSet());
            requireFlags(store.flags());
        }
        ImapClientException refused = null;
        for (int from = 0; from < stores.size(); from += MAX_PIPELINED) {
            // At most MAX_PIPELINED in flight: the answers (with CONDSTORE, a FETCH per message) are read before the
            // server's output can fill while this side still writes, which would stall both.
            List<String> tags = new ArrayList<>();
            for (FlagStore store : stores.subList(from, Math.min(stores.size(), from + MAX_PIPELINED))) {
                tags.add(wire.send(unit -> { }, "UID STORE " + store.uidSet() + (store.add() ? " +" : " -")
                        + "FLAGS.SILENT (" + String.join(" ", store.flags()) + ")"));
            }
            for (String tag : tags) {
                try {
                    wire.finish(tag, unit -> { });
                } catch (ImapClientException e) {
                    refused = refused == null ? e : refused;
                }
            }
        }
        if (refused != null) {
            throw refused;
        }
    }

    /**
     * UID STORE of flags on the messages of {@code uidSet} not changed since {@code modSeq} (UNCHANGEDSINCE, RFC 7162
     * §3.1.3; needs CONDSTORE enabled): returns the UIDs the server left alone because they changed ([MODIFIED]).
     */
    public UidSet storeFlagsUnchangedSince(String uidSet, boolean add, Collection<String> flags, long modSeq)
            throws IOException {
        requireSet(uidSet);
        requireFlags(flags);
        if (!isEnabled("CONDSTORE") || modSeq < 0) {
            throw new ImapClientException("UNCHANGEDSINCE needs CONDSTORE enabled and a mod-sequence");
        }
        String code = wire.command(unit -> { }, "UID STORE " + uidSet + " (UNCHANGEDSINCE " + modSeq + ")"
                + (add ? " +" : " -") + "FLAGS.SILENT (" + String.join(" ", flags) + ")");
        if (code.regionMatches(true, 0, "MODIFIED ", 0, 9)) {
            return UidSet.parse(code.substring(9).trim());
        }
        return UidSet.EMPTY;
    }

    /** UID EXPUNGE of a UID set (RFC 4315 §2.1); needs UIDPLUS. */
    public void uidExpunge(String uidSet) throws IOException {
        requireSet(uidSet);
        if (!hasCapability("UIDPLUS")) {
            throw new ImapClientException("server lacks UIDPLUS");
        }
        wire.command("UID EXPUNGE " + uidSet);
    }

    private static void requireSet(String uidSet) {
        if (!uidSet.matches("[0-9:*,]{1,65536}")) {
            throw new IllegalArgumentException("not a UID set");
        }
    }

    private static void requireFlags(Collection<String> flags) {
        for (String flag : flags) {
            if (!flag.matches("\\\\?[\\x21-\\x7e&&[^(){%*\"\\\\\\]]]+")) {
                throw new IllegalArgumentException("not a flag");
            }
        }
    }

    public void logout() throws IOException {
        wire.command("LOGOUT");
    }

    /** Sends LOGOUT without waiting for the answer (the caller closes the connection next): no round trip. */
    public void logoutWithoutWaiting() throws IOException {
        wire.send(unit -> { }, "LOGOUT");
    }

    /** LOGOUT waiting at most {@code wait} for the answer: a goodbye is not worth the whole command timeout. */
    public void logout(Duration wait) throws IOException {
        wire.socket().setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, wait.toMillis())));
        logout();
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


}
