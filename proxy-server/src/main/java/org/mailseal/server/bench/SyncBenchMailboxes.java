package org.mailseal.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.AppendedMessage;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;
import org.mailseal.imap.client.UidSet;

/**
 * The INBOXes that {@code mailseal bench sync} works on: emptying them, filling them with the same generated
 * messages, applying the same changes to several of them, and reading one back as a digest that the sync tools
 * cannot have made equal by accident.
 *
 * <p>The messages are plain text of a log-normal size (median 8 KiB, 90% between 2.6 and 24 KiB, bounded to
 * 1-256 KiB), each with its own Message-ID, and system flags only: mbsync (1.4) synchronises no keywords.
 */
final class SyncBenchMailboxes {
    static final String INBOX = "INBOX";
    private static final List<String> TOGGLED = List.of("\\Seen", "\\Flagged", "\\Answered");
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:[ \\t]*(\\S+)\\r?$");
    /** mbsync inserts this header into every message it copies (to find it again without UIDPLUS). */
    private static final Pattern X_TUID = Pattern.compile("(?m)^X-TUID: [^\\r\\n]*\\r\\n");
    private static final int FETCH_CHUNK = 500;
    private static final int APPEND_CHUNK = 500;

    private final ImapUpstreamConfig server;
    private final char[] password;
    private final long seed;
    /** The model: the flags of each generated message, null once expunged; index = message number. */
    private final List<Set<String>> flags = new ArrayList<>();

    SyncBenchMailboxes(ImapUpstreamConfig server, char[] password, long seed) {
        this.server = server;
        this.password = password;
        this.seed = seed;
    }

    /** An account's INBOX as the bench tracks it: the UID of each generated message there (0 once gone). */
    static final class Account {
        final String user;
        final List<Long> uids = new ArrayList<>();

        Account(String user) {
            this.user = user;
        }
    }

    ToolImapClient login(String user) throws IOException {
        ToolImapClient client = ToolImapClient.connect(server);
        try {
            client.login(user, password);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Removes every message from the account's INBOX. */
    void empty(String user) throws IOException {
        try (ToolImapClient client = login(user)) {
            if (client.select(INBOX).exists() > 0) {
                client.storeFlags("1:*", true, List.of("\\Deleted"));
                client.expungeAll();
            }
            client.logout();
        }
    }

    /** Generates {@code count} messages and appends each, with its flags, to every account (MULTIAPPEND). */
    void seed(List<Account> accounts, int count) throws IOException {
        List<ToolImapClient> clients = new ArrayList<>();
        try {
            for (Account account : accounts) {
                clients.add(login(account.user));
            }
            for (int from = 0; from < count; from += APPEND_CHUNK) {
                List<StoredMessage> batch = new ArrayList<>();
                for (int n = from; n < Math.min(count, from + APPEND_CHUNK); n++) {
                    batch.add(newMessage());
                }
                for (int i = 0; i < accounts.size(); i++) {
                    append(clients.get(i), accounts.get(i), batch);
                }
            }
        } finally {
            clients.forEach(ToolImapClient::close);
        }
    }

    /** The same changes on every account: mostly flag toggles, about 5% new messages and 5% expunges. */
    void change(List<Account> accounts, int changes, int round) throws IOException {
        Random random = new Random(seed * 31 + round);
        int expunges = Math.max(1, changes / 20);
        int added = Math.max(1, changes / 20);
        int toggles = Math.max(0, changes - expunges - added);
        List<Integer> live = new ArrayList<>();
        for (int n = 0; n < flags.size(); n++) {
            if (flags.get(n) != null) {
                live.add(n);
            }
        }
        java.util.Collections.shuffle(live, random);
        List<Integer> toToggle = live.subList(0, Math.min(toggles, live.size()));
        List<Integer> toExpunge = live.subList(toToggle.size(), Math.min(toToggle.size() + expunges, live.size()));
        List<String> flagOf = new ArrayList<>();
        List<Boolean> addOf = new ArrayList<>();
        for (int n : toToggle) {
            String flag = TOGGLED.get(random.nextInt(TOGGLED.size()));
            boolean add = !flags.get(n).contains(flag);
            flagOf.add(flag);
            addOf.add(add);
            if (add) {
                flags.get(n).add(flag);
            } else {
                flags.get(n).remove(flag);
            }
        }
        List<StoredMessage> fresh = new ArrayList<>();
        for (int i = 0; i < added; i++) {
            fresh.add(newMessage());
        }
        toExpunge.forEach(n -> flags.set(n, null));
        for (Account account : accounts) {
            try (ToolImapClient client = login(account.user)) {
                client.select(INBOX);
                for (int i = 0; i < toToggle.size(); i++) {
                    // One command per change, as a mail client makes them.
                    client.storeFlags(Long.toString(account.uids.get(toToggle.get(i))), addOf.get(i),
                            List.of(flagOf.get(i)));
                }
                List<Long> gone = new ArrayList<>();
                for (int n : toExpunge) {
                    gone.add(account.uids.get(n));
                    account.uids.set(n, 0L);
                }
                if (!gone.isEmpty()) {
                    String set = UidSet.format(new ArrayList<>(new TreeSet<>(gone)));
                    client.storeFlags(set, true, List.of("\\Deleted"));
                    client.uidExpunge(set);
                }
                append(client, account, fresh);
                client.logout();
            }
        }
    }

    private void append(ToolImapClient client, Account account, List<StoredMessage> batch) throws IOException {
        List<AppendedMessage> placed = client.appendAll(INBOX, batch);
        if (placed.size() != batch.size()) {
            throw new IOException(account.user + ": APPEND placed " + placed.size() + " of " + batch.size());
        }
        placed.forEach(p -> account.uids.add(p.uid()));
    }

    /** How many messages the model holds. */
    int live() {
        return (int) flags.stream().filter(f -> f != null).count();
    }

    /** The next generated message, recorded in the model with its flags. */
    private StoredMessage newMessage() {
        int n = flags.size();
        Random random = new Random(seed * 1_000_003L + n);
        int size = (int) Math.max(1024, Math.min(256 << 10, Math.exp(Math.log(8192) + 0.7 * random.nextGaussian())));
        Set<String> initial = new TreeSet<>();
        if (random.nextInt(10) < 6) {
            initial.add("\\Seen");
        }
        if (random.nextInt(10) == 0) {
            initial.add("\\Flagged");
        }
        if (random.nextInt(20) == 0) {
            initial.add("\\Answered");
        }
        flags.add(initial);
        StringBuilder text = new StringBuilder(size + 200);
        text.append("From: Alice <alice@bench.test>\r\nTo: Bob <bob@bench.test>\r\nSubject: bench message ")
                .append(n).append("\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <").append(n).append('.')
                .append(seed).append("@bench.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii"
                        + "\r\n\r\n");
        byte[] line = new byte[57]; // 76 characters of Base64
        Base64.Encoder base64 = Base64.getEncoder();
        while (text.length() < size) {
            random.nextBytes(line);
            text.append(base64.encodeToString(line)).append("\r\n");
        }
        String date = String.format("%02d-Mar-2026 %02d:%02d:%02d +0000", 1 + n % 28, n % 24, n % 60, (n / 60) % 60);
        return new StoredMessage(0, List.copyOf(initial), date, text.length(),
                text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * An INBOX as one digest: for each message its Message-ID, its flags (without \Recent) and the SHA-256 of its
     * content without mbsync's X-TUID header, sorted, so that two mailboxes compare equal exactly when they hold
     * the same messages with the same flags, whatever their UIDs and order.
     */
    record Digest(int count, String sha256) {
        @Override
        public String toString() {
            return count + " messages, digest " + sha256.substring(0, 16);
        }
    }

    Digest digest(String user) throws IOException {
        List<String> lines = new ArrayList<>();
        try (ToolImapClient client = login(user)) {
            client.select(INBOX);
            List<Long> uids = client.uidSearch("ALL");
            for (int from = 0; from < uids.size(); from += FETCH_CHUNK) {
                String set = UidSet.format(uids.subList(from, Math.min(uids.size(), from + FETCH_CHUNK)));
                for (StoredMessage m : client.fetch(set)) {
                    String content = new String(m.content(), StandardCharsets.ISO_8859_1);
                    int headerEnd = content.indexOf("\r\n\r\n");
                    String header = headerEnd < 0 ? content : content.substring(0, headerEnd + 2);
                    Matcher id = MESSAGE_ID.matcher(header);
                    String stripped = X_TUID.matcher(header).replaceAll("")
                            + (headerEnd < 0 ? "" : content.substring(headerEnd + 2));
                    Set<String> flagSet = new TreeSet<>(m.flags());
                    flagSet.remove("\\Recent");
                    lines.add((id.find() ? id.group(1) : "-") + "|" + flagSet + "|"
                            + HexFormat.of().formatHex(sha256(stripped.getBytes(StandardCharsets.ISO_8859_1))));
                }
            }
            client.logout();
        }
        lines.sort(null);
        return new Digest(lines.size(), HexFormat.of().formatHex(sha256(String.join("\n", lines)
                .getBytes(StandardCharsets.US_ASCII))));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
