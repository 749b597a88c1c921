package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.imap.testing.OracleImapClient;

/**
 * Issue 7, acceptance 4, from the jar: each store names the address its copies are encrypted to ({@code encryptTo}),
 * and the key home holds KA for the office address and KB for the laptop's, each protected with that account's mail
 * password. A copy of a message encrypted to KA lands on the laptop re-wrapped for KB with its encrypted data packet
 * byte for byte; a plaintext message lands encrypted; and the same from the laptop to the office.
 */
class SyncKeyTranslationIT {
    private static final String OFFICE = "alice@office.example";
    private static final String LAPTOP = "alice@laptop.example";
    private static final Pattern MESSAGES = Pattern.compile("\\(MESSAGES (\\d+)\\)");

    @TempDir
    Path dir;
    private SyncHost office;
    private SyncHost laptop;
    private FileKeyHome home;
    /** Message-ID → what a copy must satisfy: the encrypted data packet's digest, or the plaintext it must hold. */
    private final Map<String, String> bulkDigests = new HashMap<>();
    private final Map<String, byte[]> plaintexts = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        office = SyncHost.start("synckeys-a", OFFICE, "office-pw");
        laptop = SyncHost.start("synckeys-b", LAPTOP, "laptop-pw");
        home = FileKeyHome.open(dir.resolve("home"));
        home.generate(OFFICE, Format.PGP_MIME, KeyAlgorithm.CV25519, office.password.toCharArray());
        home.generate(LAPTOP, Format.PGP_MIME, KeyAlgorithm.CV25519, laptop.password.toCharArray());
    }

    @AfterEach
    void stop() throws Exception {
        SyncHost.stopBoth(office, laptop);
    }

    @Test
    void copiesAreRewrappedOrEncryptedForTheDestinationsKeyBothWays() throws Exception {
        seed(office, "office-enc", 25, OFFICE);
        seed(office, "office-plain", 3, null);
        seed(laptop, "laptop-enc", 10, LAPTOP);
        seed(laptop, "laptop-plain", 2, null);
        Map<String, String> flagsAndDates = flagsAndDates(office);
        flagsAndDates.putAll(flagsAndDates(laptop));
        Path config = config(OFFICE);

        SyncJar first = SyncJar.run(config, 300);
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).as(first.toString()).contains("channel mail: copied 40, matched 0");
        assertThat(first.out() + first.err()).as(first.toString())
                .doesNotContain(office.password).doesNotContain(laptop.password);

        try (Keys ka = unlock(OFFICE, office.password); Keys kb = unlock(LAPTOP, laptop.password)) {
            assertCopies(laptop, "office-", kb, ka, flagsAndDates);
            assertCopies(office, "laptop-", ka, kb, flagsAndDates);
        }

        // The copies' content keys were recorded as stored: nothing is copied again, nothing matched anew.
        SyncJar second = SyncJar.run(config, 300);
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).as(second.toString()).contains("channel mail: nothing to do");
    }

    /**
     * Acceptance 3 with key translation: the process killed after a batch of copies encrypted from plaintext was
     * appended and before it was recorded (the laptop's count has grown by a batch, and the status line that follows
     * a batch's record has not come yet). Those copies cannot be told from new mail by the source's content key (the
     * digest of the plaintext, theirs of the encrypted data): the engine writes each translated copy's own key down
     * before the APPEND (sync state v3, pending copies) and finds them by it. Without that, 800 messages became 1,200
     * on each side after two such kills.
     */
    @Test
    void killedWhilePlaintextIsCopiedEncryptedThenACompleteRunLeavesNoDuplicates() throws Exception {
        SyncIT.seed(office, "INBOX", "office-inbox", 800, 0, 0, 0);
        Path config = config(null);
        List<String> killedAt = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            try (SyncJar jar = SyncJar.start(config); OracleImapClient counter = laptop.login()) {
                // Between a batch's APPEND (the laptop's count passes the next multiple of the batch size) and the
                // status line printed once the batch is recorded.
                assertThat(jar.awaitLine(l -> l.startsWith("messages 200/"), 120_000)).as(jar.toString()).isTrue();
                int start = messageCount(counter);
                int[] count = {start};
                // As often as the server answers: the kill must land between the batch's APPEND and its record.
                await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> !jar.alive() || (count[0] = messageCount(counter)) >= start + 200);
                if (jar.alive()) {
                    jar.kill();
                    killedAt.add(count[0] + (jar.out().contains("messages 400/") ? " (batch recorded)" : ""));
                }
            }
        }
        String why = "killed with " + killedAt + " messages on the laptop";
        SyncJar complete = SyncJar.run(config, 300);
        assertThat(complete.exitCode()).as(why + "\n" + complete).isZero();
        // The office keeps its 800 and gets nothing back; the laptop holds one encrypted copy of each.
        assertThat(List.of(office.messages("INBOX").size(), laptop.messages("INBOX").size()))
                .as(why + ": messages on the office, on the laptop").containsExactly(800, 800);
    }

    /** One channel over both INBOXes; the laptop's copies are encrypted to its address, the office's if named. */
    private Path config(String officeEncryptTo) throws Exception {
        return Files.writeString(dir.resolve("mailseal.yaml"), "keys: {home: " + dir.resolve("home") + "}\n"
                + "sync:\n"
                + "  state: sync.db\n"
                + "  stores:\n"
                + office.storeYaml(dir, "office", officeEncryptTo)
                + laptop.storeYaml(dir, "laptop", LAPTOP)
                + "  channels:\n"
                + "    - {name: mail, a: office, b: laptop, mailboxes: [INBOX]}\n");
    }

    private static int messageCount(OracleImapClient client) throws Exception {
        for (String line : client.commandLines("STATUS INBOX (MESSAGES)")) {
            Matcher m = MESSAGES.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no STATUS answer");
    }

    /**
     * On {@code host}: every message whose Message-ID starts with {@code copiedPrefix} is a copy, exactly once; it
     * opens with {@code own} and not with {@code other}; a copy of an encrypted message keeps the original's encrypted
     * data packet; a copy of a plaintext message holds the original; flags and internal dates are the original's.
     */
    private void assertCopies(SyncHost host, String copiedPrefix, Keys own, Keys other,
                              Map<String, String> flagsAndDates) throws Exception {
        SessionKeyRewrapper rewrapper = new SessionKeyRewrapper();
        Map<String, Integer> copies = new TreeMap<>();
        for (SyncHost.Message m : host.messages("INBOX")) {
            byte[] plaintext;
            try (DecryptionResult opened = new MessageDecryptor().decrypt(new ByteArrayInputStream(m.content()),
                    own.keys)) {
                plaintext = opened.message().toByteArray();
            } catch (NotEncryptedException e) {
                assertThat(m.messageId()).as("a plaintext message on " + host.user + " must be an original")
                        .doesNotStartWith("<" + copiedPrefix);
                continue;
            }
            String id = SyncHost.messageId(plaintext).orElseThrow();
            if (!id.startsWith("<" + copiedPrefix)) {
                continue; // an original of this host
            }
            copies.merge(id, 1, Integer::sum);
            assertThatThrownBy(() -> new MessageDecryptor().decrypt(new ByteArrayInputStream(m.content()), other.keys)
                    .close()).as(id + " on " + host.user + " must not open with the source's key")
                    .isInstanceOf(DecryptionFailedException.class);
            if (bulkDigests.containsKey(id)) {
                assertThat(HexFormat.of().formatHex(rewrapper.bulkDigest(m.content())))
                        .as(id + ": the encrypted data packet, byte for byte").isEqualTo(bulkDigests.get(id));
            } else {
                assertThat(new String(plaintext, StandardCharsets.ISO_8859_1))
                        .as(id + ": the plaintext original, encrypted")
                        .contains(new String(body(plaintexts.get(id)), StandardCharsets.ISO_8859_1));
            }
            assertThat(m.flags() + " " + m.internalDate()).as(id + ": flags and internal date")
                    .isEqualTo(flagsAndDates.get(id));
        }
        List<String> expected = new ArrayList<>();
        plaintexts.keySet().stream().filter(id -> id.startsWith("<" + copiedPrefix)).forEach(expected::add);
        assertThat(copies.keySet()).as("copies on " + host.user).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(copies.values()).as("each copy once on " + host.user).allMatch(n -> n == 1);
    }

    /** Appends {@code count} messages, encrypted to {@code encryptTo}'s keys unless it is null. */
    private void seed(SyncHost host, String tag, int count, String encryptTo) throws Exception {
        List<byte[]> messages = new ArrayList<>();
        List<String> flags = new ArrayList<>();
        List<String> dates = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            byte[] plain = SyncIT.message(tag, n, 1_500 + 700 * n);
            String id = SyncHost.messageId(plain).orElseThrow();
            plaintexts.put(id, plain);
            byte[] stored = plain;
            if (encryptTo != null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                new MessageEncryptor().encrypt(new ByteArrayInputStream(plain), out, home.encryptionKeys(encryptTo));
                stored = out.toByteArray();
                bulkDigests.put(id, HexFormat.of().formatHex(new SessionKeyRewrapper().bulkDigest(stored)));
            }
            messages.add(stored);
            flags.add(SyncIT.FLAG_SETS.get(n % SyncIT.FLAG_SETS.size()));
            dates.add(SyncIT.date(n));
        }
        host.append("INBOX", messages, flags, dates);
    }

    /** Message-ID (of the plaintext) → flags and internal date, for the originals on a host. */
    private Map<String, String> flagsAndDates(SyncHost host) throws Exception {
        Map<String, String> result = new HashMap<>();
        List<SyncHost.Message> messages = host.messages("INBOX");
        assertThat(messages).isNotEmpty();
        for (SyncHost.Message m : messages) {
            String digest = digestOf(m.content());
            String id = digest.isEmpty() ? m.messageId() : bulkDigests.entrySet().stream()
                    .filter(e -> e.getValue().equals(digest)).map(Map.Entry::getKey).findFirst().orElseThrow();
            result.put(id, m.flags() + " " + m.internalDate());
        }
        return result;
    }

    private static String digestOf(byte[] message) {
        try {
            return HexFormat.of().formatHex(new SessionKeyRewrapper().bulkDigest(message));
        } catch (Exception notEncrypted) {
            return "";
        }
    }

    /** The body of a seeded message (after the blank line): what its decrypted copy must contain. */
    private static byte[] body(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        return text.substring(text.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
    }

    private Keys unlock(String address, String password) throws Exception {
        return new Keys(home.unlock(address, password.toCharArray()));
    }

    /** Unlocked private keys, dropped after the test. */
    private record Keys(List<UnlockedKey> keys) implements AutoCloseable {
        @Override
        public void close() {
            keys.forEach(UnlockedKey::close);
        }
    }
}
