package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;

/**
 * Issue 6, acceptance 1 and 2: 200 messages encrypted to K1 in a real Dovecot, rotate to K2, `mailseal rekey` from
 * the jar; and the same with the jar killed (kill -9) at random points and rerun.
 */
class RekeyIT {
    private static final String USER = "bob@example.org";
    private static final String PASSWORD = "bob-pw";
    private static final List<List<String>> FLAGS = List.of(List.of(), List.of("\\Seen"), List.of("\\Flagged", "\\Seen"),
            List.of("\\Answered"), List.of("$Label1"), List.of("\\Draft", "\\Seen"));

    @TempDir
    Path dir;
    private ScriptedDovecot dovecot;
    private int port;
    private FileKeyHome home;
    private Path config;
    private Path passwordFile;

    @BeforeEach
    void start() throws Exception {
        dovecot = ScriptedDovecot.start("rekeyit", List.of(USER + ":" + PASSWORD));
        port = dovecot.port();
        home = FileKeyHome.open(dir.resolve("home"));
        home.generate(USER, Format.PGP_MIME, KeyAlgorithm.CV25519, PASSWORD.toCharArray());
        config = Files.writeString(dir.resolve("mailseal.yaml"), """
                keys: {home: %s}
                listeners:
                  - role: imap
                    listen: 127.0.0.1:%d
                    authWithoutTls: true
                    upstream: {host: 127.0.0.1, port: %d, allowPlaintextAuth: true}
                """.formatted(dir.resolve("home"), port + 1, port));
        passwordFile = Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
    }

    @AfterEach
    void stop() throws Exception {
        dovecot.close();
    }

    private ToolImapClient login() throws Exception {
        ToolImapClient client = ToolImapClient.connect(ImapUpstreamConfig.plain("127.0.0.1", port));
        client.login(USER, PASSWORD.toCharArray());
        client.select("INBOX");
        return client;
    }

    /** Appends `count` messages encrypted to the current key, assorted flags and dates. */
    private void seed(int count) throws Exception {
        try (ToolImapClient client = login()) {
            for (int i = 0; i < count; i++) {
                byte[] plain = ("Subject: message " + i + "\r\nFrom: alice@example.org\r\nTo: " + USER
                        + "\r\n\r\nBody of message " + i + ".\r\n").getBytes(StandardCharsets.US_ASCII);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                new MessageEncryptor().encrypt(new ByteArrayInputStream(plain), out, home.encryptionKeys(USER));
                client.append("INBOX", FLAGS.get(i % FLAGS.size()),
                        String.format("%02d-Feb-2022 %02d:%02d:00 +0000", 1 + i % 28, i % 24, i % 60), out.toByteArray());
            }
        }
    }

    /** Per message: flags, internal date and the digest of its encrypted data packet, sorted. */
    private List<String> snapshot() throws Exception {
        SessionKeyRewrapper rewrapper = new SessionKeyRewrapper();
        List<String> lines = new ArrayList<>();
        try (ToolImapClient client = login()) {
            for (long uid : client.sizes().keySet()) {
                StoredMessage m = client.fetch(uid).orElseThrow();
                lines.add(new TreeSet<>(m.flags()) + "|" + m.internalDate() + "|"
                        + HexFormat.of().formatHex(rewrapper.bulkDigest(m.content())));
            }
        }
        lines.sort(null);
        return lines;
    }

    private List<byte[]> contents() throws Exception {
        List<byte[]> all = new ArrayList<>();
        try (ToolImapClient client = login()) {
            for (long uid : client.sizes().keySet()) {
                all.add(client.fetch(uid).orElseThrow().content());
            }
        }
        return all;
    }

    private void assertOpensWithK2NotK1(List<UnlockedKey> k1, List<UnlockedKey> k2) throws Exception {
        for (byte[] message : contents()) {
            new MessageDecryptor().decrypt(new ByteArrayInputStream(message), k2).close();
            assertThatThrownBy(() -> new MessageDecryptor().decrypt(new ByteArrayInputStream(message), k1).close())
                    .isNotNull();
        }
    }

    private List<UnlockedKey> unlock(boolean retired) throws Exception {
        return home.unlock(USER, PASSWORD.toCharArray()).stream()
                .filter(k -> home.retiredFingerprints().contains(k.fingerprint()) == retired).toList();
    }

    private String[] rekeyArgs() {
        return new String[] {"rekey", "--config", config.toString(), "--user", USER, "--password-file",
            passwordFile.toString()};
    }

    @Test
    void twoHundredMessagesRekeyedFromK1ToK2() throws Exception {
        seed(200);
        List<String> before = snapshot();
        home.rotate(USER, Format.PGP_MIME, KeyAlgorithm.CV25519, PASSWORD.toCharArray());

        Cli.Result dry = Cli.run(withDryRun(rekeyArgs()));
        assertThat(dry.exitCode()).as(dry.stderr()).isZero();
        assertThat(new String(dry.stdout(), StandardCharsets.UTF_8)).contains("would rekey 200");

        Cli.Result result = Cli.run(rekeyArgs());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String out = new String(result.stdout(), StandardCharsets.UTF_8);
        assertThat(out).contains("rekeyed 200").doesNotContain(PASSWORD);
        assertThat(snapshot()).isEqualTo(before); // count, flags, internal dates, encrypted data packets
        assertOpensWithK2NotK1(unlock(true), unlock(false));
    }

    @Test
    void killedAtRandomPointsAndRerunFiveTimesLosesAndDuplicatesNothing() throws Exception {
        seed(60);
        List<String> before = snapshot();
        home.rotate(USER, Format.PGP_MIME, KeyAlgorithm.CV25519, PASSWORD.toCharArray());
        Random random = new Random(6);
        for (int round = 0; round < 5; round++) {
            killAfterLines(1 + random.nextInt(8));
            List<String> now = snapshot();
            // At worst one original and its copy are both there (same packet digest); nothing is missing.
            assertThat(new TreeSet<>(now.stream().map(l -> l.substring(l.lastIndexOf('|'))).toList()))
                    .isEqualTo(new TreeSet<>(before.stream().map(l -> l.substring(l.lastIndexOf('|'))).toList()));
            assertThat(now.size()).isBetween(before.size(), before.size() + 1);
        }
        Cli.Result result = Cli.run(rekeyArgs());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(snapshot()).isEqualTo(before);
        assertOpensWithK2NotK1(unlock(true), unlock(false));
    }

    /** Runs the jar and kills it (SIGKILL) once it has reported `lines` re-wrapped messages. */
    private void killAfterLines(int lines) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Cli.jar().toString()));
        command.addAll(List.of(rekeyArgs()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            int seen = 0;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.contains(": rekeyed") || line.contains(": completed")) {
                    if (++seen == lines) {
                        process.destroyForcibly(); // SIGKILL on Unix
                        break;
                    }
                }
            }
        }
        process.waitFor();
    }

    private static String[] withDryRun(String[] args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--dry-run");
        return all.toArray(String[]::new);
    }
}
