package org.mailseal.server.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailseal.imap.testing.OracleImapClient;
import org.mailseal.imap.testing.OracleImapClient.FetchParser;

/**
 * One host of a sync test: a throwaway Dovecot of its own (protocol-imap's {@code dovecot.sh}, its own BASE and port)
 * with one account, set up and inspected through protocol-imap's {@link OracleImapClient}, which shares no code with
 * the sync engine under test.
 */
final class SyncHost implements AutoCloseable {
    private static final Path SCRIPT = Path.of("../protocol-imap/src/test/dovecot/dovecot.sh").toAbsolutePath();
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:[ \\t]*(<[^>\r\n]+>)");
    private static final Pattern LIST_NAME = Pattern.compile(
            "^\\* LIST \\(([^)]*)\\) (?:NIL|\"[^\"]*\") \"?([^\"\r\n]+)\"?");

    /** One message as the server holds it; {@code messageId} is empty when the header has none. */
    record Message(long uid, String messageId, String sha256, TreeSet<String> flags, String internalDate,
                   byte[] content) {
        /** Everything the acceptance criteria compare, the content by its digest. */
        String line() {
            return messageId + " " + sha256 + " " + flags + " " + internalDate;
        }
    }

    final String user;
    final String password;
    private final Path base;
    private final int port;

    private SyncHost(String user, String password, Path base, int port) {
        this.user = user;
        this.password = password;
        this.base = base;
        this.port = port;
    }

    static SyncHost start(String name, String user, String password) throws IOException, InterruptedException {
        // Short path: Dovecot's unix sockets live under BASE and sun_path is limited to 108 octets.
        SyncHost host = new SyncHost(user, password, Files.createTempDirectory(Path.of("/tmp"), name + "-"),
                freeLowPort());
        host.script("start", user + ":" + password);
        return host;
    }

    /** A free loopback port below 32768 (the ephemeral range above it is left to the system). */
    private static int freeLowPort() throws IOException {
        Random random = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException taken) {
                // another
            }
        }
        throw new IOException("no free port below 32768");
    }

    private void script(String command, String... accounts) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("bash", SCRIPT.toString(), command, base.toString(),
                Integer.toString(port)));
        args.addAll(List.of(accounts));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("dovecot.sh " + command + " failed:\n" + out);
        }
    }

    /** This host as a store of the {@code sync:} section, its password in a file of {@code dir}. */
    String storeYaml(Path dir, String name, String encryptTo) throws IOException {
        Path passwordFile = Files.writeString(dir.resolve(name + ".pw"), password + "\n");
        return "    " + name + ":\n"
                + "      imap: {host: 127.0.0.1, port: " + port + ", tls: none, allowPlaintextLogin: true, user: "
                + user + ", passwordFile: " + passwordFile + "}\n"
                + (encryptTo == null ? "" : "      encryptTo: " + encryptTo + "\n");
    }

    OracleImapClient login() throws IOException {
        OracleImapClient client = new OracleImapClient("127.0.0.1", port);
        client.command("LOGIN " + user + " " + password);
        return client;
    }

    void create(String mailbox) throws IOException {
        try (OracleImapClient client = login()) {
            client.command("CREATE " + mailbox);
        }
    }

    /** Appends messages with flags (space-separated, may be empty) and an internal date; returns their UIDs. */
    List<Long> append(String mailbox, List<byte[]> messages, List<String> flags, List<String> dates)
            throws IOException {
        List<Long> uids = new ArrayList<>();
        try (OracleImapClient client = login()) {
            for (int i = 0; i < messages.size(); i++) {
                uids.add(client.append(mailbox, flags.get(i), dates.get(i), messages.get(i)));
            }
        }
        return uids;
    }

    void storeFlags(String mailbox, long uid, String change) throws IOException {
        try (OracleImapClient client = login()) {
            client.command("SELECT " + mailbox);
            client.command("UID STORE " + uid + " " + change);
        }
    }

    /** The account's selectable mailboxes, sorted. */
    TreeSet<String> folders() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (OracleImapClient client = login()) {
            for (String line : client.commandLines("LIST \"\" \"*\"")) {
                Matcher m = LIST_NAME.matcher(line);
                if (m.find() && !m.group(1).toLowerCase(java.util.Locale.ROOT).contains("\\noselect")) {
                    names.add(m.group(2).strip());
                }
            }
        }
        return names;
    }

    /** Every message of a mailbox with its content, in UID order. */
    List<Message> messages(String mailbox) throws IOException {
        List<Message> messages = new ArrayList<>();
        try (OracleImapClient client = login()) {
            client.command("EXAMINE " + mailbox);
            for (long uid : client.uidSearch("ALL")) {
                Map<String, byte[]> items = client.fetch(uid, "FLAGS INTERNALDATE BODY.PEEK[]");
                byte[] content = FetchParser.stringContent(items.get("BODY[]"));
                TreeSet<String> flags = new TreeSet<>(Arrays.asList(latin1(items.get("FLAGS"))
                        .replaceAll("[()]", "").split(" ")));
                flags.remove("");
                flags.remove("\\Recent"); // session state, not a stored flag
                messages.add(new Message(uid, messageId(content).orElse(""), sha256(content), flags,
                        latin1(items.get("INTERNALDATE")), content));
            }
        }
        return messages;
    }

    /** Per mailbox, the sorted {@link Message#line()}s of its messages: what two aligned hosts hold alike. */
    TreeMap<String, List<String>> snapshot() throws IOException {
        TreeMap<String, List<String>> snapshot = new TreeMap<>();
        for (String folder : folders()) {
            List<String> lines = new ArrayList<>(messages(folder).stream().map(Message::line).toList());
            lines.sort(null);
            snapshot.put(folder, lines);
        }
        return snapshot;
    }

    static Optional<String> messageId(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        Matcher m = MESSAGE_ID.matcher(end < 0 ? text : text.substring(0, end));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static String latin1(byte[] value) {
        return new String(value, StandardCharsets.ISO_8859_1);
    }

    /** Stops both hosts, the second even if stopping the first failed. */
    static void stopBoth(SyncHost first, SyncHost second) throws IOException, InterruptedException {
        try {
            first.close();
        } finally {
            second.close();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            script("stop");
        } finally {
            try (var files = Files.walk(base)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
