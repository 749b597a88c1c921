package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.ImapUpstreamConfig.TlsMode;
import org.mailseal.imap.testing.OracleImapClient;
import org.mailseal.imap.testing.ThrowawayDovecot;

/**
 * Sets up and inspects sync scenarios on one IMAP server whose accounts are {@code <name>a@example.org} and
 * {@code <name>b@example.org}, through the independent {@link OracleImapClient}, and runs {@link ChannelSync} over
 * them.
 */
final class SyncFixture implements AutoCloseable {
    static final String PASSWORD = "pw";
    static final List<String> FLAG_SETS = List.of("", "\\Seen", "\\Seen \\Flagged", "\\Answered $Label1", "\\Draft",
            "\\Seen $Later");

    private final ThrowawayDovecot dovecot;
    private final int port;

    private SyncFixture(ThrowawayDovecot dovecot) {
        this.dovecot = dovecot;
        this.port = dovecot.port();
    }

    /** A throwaway Dovecot with the accounts {@code <name>a} and {@code <name>b} for each name. */
    static SyncFixture start(String instance, List<String> names) throws IOException, InterruptedException {
        List<String> accounts = new ArrayList<>();
        for (String name : names) {
            accounts.add(name + "a@example.org:" + PASSWORD);
            accounts.add(name + "b@example.org:" + PASSWORD);
        }
        return new SyncFixture(ThrowawayDovecot.start(instance, accounts));
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        dovecot.close();
    }

    /** A channel between the a and b accounts of {@code user} with the defaults. */
    ChannelConfig channel(String user, List<String> mailboxes) {
        return ChannelConfig.of(user, store(user + "a"), store(user + "b"), mailboxes);
    }

    /** The same, with copies on side B for the key of {@code keyAddressB}. */
    ChannelConfig channel(String user, List<String> mailboxes, String keyAddressB) {
        return ChannelConfig.of(user, store(user + "a"), new StoreConfig.Imap("127.0.0.1", port, TlsMode.NONE,
                user + "b@example.org", Path.of("/unused"), true, keyAddressB), mailboxes);
    }

    private StoreConfig.Imap store(String user) {
        return new StoreConfig.Imap("127.0.0.1", port, TlsMode.NONE, user + "@example.org", Path.of("/unused"), true,
                null);
    }

    ChannelSummary sync(SyncState state, ChannelConfig channel, boolean force) throws IOException {
        ImapUpstreamConfig upstream = ImapUpstreamConfig.plain("127.0.0.1", port);
        return sync(state, channel, upstream, upstream, force);
    }

    ChannelSummary sync(SyncState state, ChannelConfig channel, ImapUpstreamConfig upstreamA,
                        ImapUpstreamConfig upstreamB, boolean force) throws IOException {
        return sync(state, channel, upstreamA, upstreamB, force, MessageTranslator.NONE, SyncListener.NONE);
    }

    ChannelSummary sync(SyncState state, ChannelConfig channel, MessageTranslator translator) throws IOException {
        ImapUpstreamConfig upstream = ImapUpstreamConfig.plain("127.0.0.1", port);
        return sync(state, channel, upstream, upstream, false, translator, SyncListener.NONE);
    }

    ChannelSummary sync(SyncState state, ChannelConfig channel, SyncListener listener) throws IOException {
        ImapUpstreamConfig upstream = ImapUpstreamConfig.plain("127.0.0.1", port);
        return sync(state, channel, upstream, upstream, false, MessageTranslator.NONE, listener);
    }

    private ChannelSummary sync(SyncState state, ChannelConfig channel, ImapUpstreamConfig upstreamA,
                                ImapUpstreamConfig upstreamB, boolean force, MessageTranslator translator,
                                SyncListener listener) throws IOException {
        try (SyncStore a = ImapSyncStore.open(upstreamA, user(channel.a()), PASSWORD.toCharArray());
             SyncStore b = ImapSyncStore.open(upstreamB, user(channel.b()), PASSWORD.toCharArray())) {
            return new ChannelSync(state, channel, a, b, translator, listener).run(force);
        }
    }

    private static String user(StoreConfig store) {
        return ((StoreConfig.Imap) store).user();
    }

    /**
     * Message n: Message-ID {@code <mn@example.org>} except when n % 4 == 3 (none); message 6 is a byte-identical
     * twin of message 5; a body of 100 to 2,100 random bytes, Base64.
     */
    static byte[] message(int n) {
        int m = n == 6 ? 5 : n;
        byte[] body = new byte[100 + new Random(m).nextInt(2000)];
        new Random(m * 31L + 1).nextBytes(body);
        String id = m % 4 == 3 ? "" : "Message-ID:\r\n <m" + m + "@example.org>\r\n";
        return ("From: a@example.org\r\nTo: b@example.org\r\nSubject: message " + m + "\r\n" + id
                + "Date: Mon, 1 Mar 2021 10:00:00 +0000\r\n\r\n" + Base64.getMimeEncoder().encodeToString(body)
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static String date(int n) {
        return String.format("%02d-Mar-2021 %02d:%02d:%02d +0%d00", 1 + n % 28, n % 24, n % 60, n % 59, n % 3);
    }

    /** Appends messages first .. first+count-1, with flags FLAG_SETS[n % 6] and date(n). */
    void seed(String user, String mailbox, int first, int count) throws IOException {
        try (OracleImapClient client = login(user)) {
            for (int n = first; n < first + count; n++) {
                String flags = FLAG_SETS.get(n % FLAG_SETS.size());
                client.append(mailbox, flags, date(n), message(n));
            }
        }
    }

    /** A message as the oracle read it. */
    record Raw(long uid, Set<String> flags, String date, byte[] content) {}

    List<Raw> messages(String user, String mailbox) throws IOException {
        List<Raw> all = new ArrayList<>();
        try (OracleImapClient client = login(user)) {
            client.command("SELECT \"" + mailbox + "\"");
            for (long uid : client.uidSearch("ALL")) {
                Map<String, byte[]> items = client.fetch(uid, "FLAGS INTERNALDATE BODY.PEEK[]");
                String flags = new String(items.get("FLAGS"), StandardCharsets.US_ASCII);
                Set<String> set = new TreeSet<>(Arrays.asList(flags.substring(1, flags.length() - 1).split(" ")));
                set.remove("");
                set.remove("\\Recent");
                String date = new String(items.get("INTERNALDATE"), StandardCharsets.US_ASCII).replace("\"", "");
                all.add(new Raw(uid, set, date, OracleImapClient.FetchParser.stringContent(items.get("BODY[]"))));
            }
        }
        return all;
    }

    /** The mailbox as a sorted multiset of "Message-ID|flags|internal date|SHA-256" lines. */
    List<String> snapshot(String user, String mailbox) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Raw m : messages(user, mailbox)) {
            lines.add(MailboxSync.messageId(m.content()) + "|" + m.flags() + "|" + m.date() + "|"
                    + HexFormat.of().formatHex(sha256(m.content())));
        }
        lines.sort(null);
        return lines;
    }

    /** Flags by Message-ID (messages without one left out). */
    Map<String, Set<String>> flagsByMessageId(String user, String mailbox) throws IOException {
        Map<String, Set<String>> flags = new TreeMap<>();
        for (Raw m : messages(user, mailbox)) {
            String id = MailboxSync.messageId(m.content());
            if (id != null) {
                flags.put(id, m.flags());
            }
        }
        return flags;
    }

    /** Runs a command as that user, with the mailbox selected first unless it is null. */
    void command(String user, String mailbox, String command) throws IOException {
        try (OracleImapClient client = login(user)) {
            if (mailbox != null) {
                client.command("SELECT \"" + mailbox + "\"");
            }
            client.command(command);
        }
    }

    void create(String user, String mailbox) throws IOException {
        command(user, null, "CREATE \"" + mailbox + "\"");
    }

    void expunge(String user, String mailbox, long... uids) throws IOException {
        for (long uid : uids) {
            command(user, mailbox, "UID STORE " + uid + " +FLAGS (\\Deleted)");
        }
        command(user, mailbox, "EXPUNGE");
    }

    void append(String user, String mailbox, Raw m) throws IOException {
        try (OracleImapClient client = login(user)) {
            client.append(mailbox, String.join(" ", m.flags()), m.date(), m.content());
        }
    }

    /** Appends the message with that UID of {@code from}'s mailbox to {@code to}'s, flags and date unchanged. */
    void copyByHand(String from, String to, String mailbox, long uid) throws IOException {
        for (Raw m : messages(from, mailbox)) {
            if (m.uid() == uid) {
                append(to, mailbox, m);
                return;
            }
        }
        throw new IllegalArgumentException("no UID " + uid);
    }

    /** The mailbox names LIST reports for that user, sorted. */
    List<String> mailboxes(String user) throws IOException {
        List<String> names = new ArrayList<>();
        try (OracleImapClient client = login(user)) {
            for (String line : client.commandLines("LIST \"\" \"*\"")) {
                if (line.startsWith("* LIST ")) {
                    names.add(line.substring(line.lastIndexOf(' ') + 1).strip().replace("\"", ""));
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** The UID of the one message with that Message-ID in the mailbox. */
    long uidOf(String user, String mailbox, String messageId) throws IOException {
        try (OracleImapClient client = login(user)) {
            client.command("SELECT \"" + mailbox + "\"");
            TreeSet<Long> uids = client.uidSearch("HEADER Message-ID \"" + messageId + "\"");
            if (uids.size() != 1) {
                throw new IllegalStateException(user + " " + mailbox + " holds " + uids.size() + " of " + messageId);
            }
            return uids.first();
        }
    }

    /** Moves a message as a client without MOVE would: APPEND to the target with flags and date, then expunge. */
    void move(String user, String from, long uid, String to) throws IOException {
        for (Raw m : messages(user, from)) {
            if (m.uid() == uid) {
                append(user, to, m);
                expunge(user, from, uid);
                return;
            }
        }
        throw new IllegalArgumentException("no UID " + uid);
    }

    private OracleImapClient login(String user) throws IOException {
        OracleImapClient client = new OracleImapClient("127.0.0.1", port);
        client.command("LOGIN " + user + "@example.org " + PASSWORD);
        return client;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
