package org.mailseal.crypto.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyInfo;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.GnuPg;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;

/**
 * GnuPG writes, mailseal reads: gpg encrypts a MIME entity, the test wraps the armored output as RFC 3156 PGP/MIME,
 * and mailseal decrypts it with keys that gpg generated, exported passphrase-protected, and that were imported into
 * the key home. GnuPG compresses by default, so one level of compression must be read.
 */
class MailsealReadsGnuPgTest {
    private static final String ERIN = "erin@example.org";
    private static final String ROBIN = "robin@example.org";
    private static final String STRANGER = "stranger@example.org";
    private static final String OUTER_HEADER = "From: Alice <alice@example.org>\r\n"
            + "To: Erin <erin@example.org>\r\n"
            + "Subject: Budget 2027\r\n"
            + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n";
    /** The outer header as mailseal restores it: the wrapper's fields without its Content-Type. */
    private static final String RESTORED_HEADER = OUTER_HEADER + "MIME-Version: 1.0\r\n";
    private static final String INNER = "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "Grüße from GnuPG.\r\n"
            + "Numbers follow; numbers follow; numbers follow; numbers follow.\r\n";

    @TempDir
    static Path dir;
    static FileKeyHome home;
    static GnuPg gpg;
    static String erinFingerprint;
    static String robinFingerprint;
    /** Unlocked once: GnuPG protects exported keys with a slow S2K (about 65 million hashed octets). */
    static Map<String, List<UnlockedKey>> unlocked = new HashMap<>();

    @BeforeAll
    static void keys() throws Exception {
        gpg = GnuPg.start();
        erinFingerprint = gpg.generateKey(ERIN, GnuPg.KeyType.CV25519, TestKeys.PASSWORD);
        robinFingerprint = gpg.generateKey(ROBIN, GnuPg.KeyType.RSA3072, TestKeys.PASSWORD);
        gpg.generateKey(STRANGER, GnuPg.KeyType.CV25519);
        home = TestKeys.home(dir);
        for (String fingerprint : List.of(erinFingerprint, robinFingerprint)) {
            List<KeyInfo> imported = home.importKeys(gpg.exportSecret(fingerprint, TestKeys.PASSWORD), null);
            assertThat(imported).singleElement().satisfies(info -> {
                assertThat(info.fingerprint()).isEqualTo(fingerprint);
                assertThat(info.hasSecret()).isTrue();
                assertThat(info.status()).isEqualTo("valid");
            });
        }
        for (String address : List.of(ERIN, ROBIN)) {
            unlocked.put(address, TestKeys.unlock(home, address));
        }
    }

    @AfterAll
    static void stopAgent() throws Exception {
        gpg.close();
    }

    private static DecryptionResult decrypt(byte[] message, String address, CryptoLimits limits) throws Exception {
        return new MessageDecryptor(limits, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(message), unlocked.get(address));
    }

    private static byte[] gpgPgpMime(String inner, List<String> recipients, String... options) throws Exception {
        byte[] armored = gpg.encrypt(inner.getBytes(StandardCharsets.UTF_8), recipients, options);
        return PgpMime.wrap(OUTER_HEADER, armored);
    }

    private static String text(DecryptionResult result) throws Exception {
        return new String(result.message().toByteArray(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"erin@example.org, cv25519", "robin@example.org, rsa3072"})
    void readsWhatGpgEncryptedToKeysItGenerated(String address, String algorithm) throws Exception {
        byte[] message = gpgPgpMime(INNER, List.of(address), "--compress-algo", "none");
        assertThat(gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD)).doesNotContain(":compressed packet:");

        try (DecryptionResult result = decrypt(message, address, CryptoLimits.DEFAULTS)) {
            assertThat(result.format()).isEqualTo(Format.PGP_MIME);
            assertThat(result.integrity()).isEqualTo(Integrity.MDC);
            assertThat(result.keyFingerprint())
                    .isEqualTo(address.equals(ERIN) ? erinFingerprint : robinFingerprint);
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
            assertThat(result.message().size()).isEqualTo((RESTORED_HEADER + INNER).getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"zip, 1", "zlib, 2", "bzip2, 3"})
    void readsOneLevelOfCompression(String algorithm, int tag) throws Exception {
        byte[] message = gpgPgpMime(INNER, List.of(ERIN), "--compress-algo", algorithm);
        assertThat(gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD)).contains(":compressed packet: algo=" + tag);

        try (DecryptionResult result = decrypt(message, ERIN, CryptoLimits.DEFAULTS)) {
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }

    @Test
    void readsWhatGpgWritesWithItsDefaultSettings() throws Exception {
        byte[] message = gpgPgpMime(INNER, List.of(ERIN));
        assertThat(gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD)).contains(":compressed packet:");

        try (DecryptionResult result = decrypt(message, ERIN, CryptoLimits.DEFAULTS)) {
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }

    @Test
    void findsItsOwnSessionKeyPacketAmongOthers() throws Exception {
        byte[] message = gpgPgpMime(INNER, List.of(STRANGER, ROBIN, ERIN));

        try (DecryptionResult result = decrypt(message, ERIN, CryptoLimits.DEFAULTS)) {
            assertThat(result.keyFingerprint()).isEqualTo(erinFingerprint);
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }

    @Test
    void readsHiddenRecipients() throws Exception {
        // --throw-keyids writes wildcard key IDs (Bcc privacy): every key has to be tried.
        byte[] message = gpgPgpMime(INNER, List.of(STRANGER, ERIN), "--throw-keyids");
        assertThat(gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD)).contains("keyid 0000000000000000");

        try (DecryptionResult result = decrypt(message, ERIN, CryptoLimits.DEFAULTS)) {
            assertThat(result.keyFingerprint()).isEqualTo(erinFingerprint);
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }

    @Test
    void readsALargeMessageThatSpillsToTheEncryptedBuffer() throws Exception {
        StringBuilder inner = new StringBuilder("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        for (int line = 0; inner.length() < 3 << 20; line++) {
            inner.append("line ").append(line).append(" of a long message, 0123456789abcdef\r\n");
        }
        byte[] message = gpgPgpMime(inner.toString(), List.of(ERIN));
        CryptoLimits limits = CryptoLimits.DEFAULTS.withMemoryBufferBytes(64 << 10);

        try (DecryptionResult result = decrypt(message, ERIN, limits)) {
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + inner);
        }
    }

    @Test
    void refusesWhatGpgWritesWithoutIntegrityProtection() throws Exception {
        // --rfc2440 --no-mdc: a Symmetrically Encrypted Data packet (CAST5, no MDC), as before 2003.
        byte[] message = gpgPgpMime(INNER, List.of(ERIN), "--rfc2440", "--no-mdc", "--cipher-algo", "CAST5");
        String packets = gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD);
        assertThat(packets).contains(":encrypted data packet:").doesNotContain("mdc_method");

        assertThatThrownBy(() -> decrypt(message, ERIN, CryptoLimits.DEFAULTS))
                .isExactlyInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed");
    }

    @Test
    void readsSignedAndEncryptedMessages() throws Exception {
        byte[] message = gpgPgpMime(INNER, List.of(ERIN), "--pinentry-mode", "loopback",
                "--passphrase", TestKeys.PASSWORD, "--local-user", erinFingerprint, "--sign");
        String packets = gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD);
        assertThat(packets).contains(":onepass_sig packet:").contains(":signature packet:");

        try (DecryptionResult result = decrypt(message, ERIN, CryptoLimits.DEFAULTS)) {
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }

    @Test
    void readsTextModeWithUnixLineEnds() throws Exception {
        // --textmode writes a 't' literal packet from LF-terminated input; the plaintext comes out canonical (CRLF).
        byte[] message = gpgPgpMime(INNER.replace("\r\n", "\n"), List.of(ERIN), "--textmode");
        assertThat(gpg.listPackets(PgpMime.armoredMessage(message), TestKeys.PASSWORD)).contains("mode t");

        try (DecryptionResult result = decrypt(message, ERIN, CryptoLimits.DEFAULTS)) {
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }

    @Test
    void gpgEncryptsToACertificateMailsealExported() throws Exception {
        TestUser frida = TestUser.inHome(home, "frida@example.org", Format.PGP_MIME);
        gpg.importKeys(home.exportPublic(frida.address(), Format.PGP_MIME).getBytes(StandardCharsets.US_ASCII), null);

        ExternalCommand.Result encrypted = gpg.runOk(INNER.getBytes(StandardCharsets.UTF_8), "--status-fd", "2",
                "--trust-model", "always", "--armor", "--recipient", frida.address(), "--encrypt");

        // The key's preferences lead gpg to AES-256 (algorithm 9) with an MDC (method 2).
        assertThat(encrypted.stderrText()).contains("[GNUPG:] BEGIN_ENCRYPTION 2 9");
        byte[] message = PgpMime.wrap(OUTER_HEADER, encrypted.stdout());
        try (DecryptionResult result = frida.decrypt(message)) {
            assertThat(result.keyFingerprint()).isEqualTo(frida.recipient(Format.PGP_MIME).fingerprint());
            assertThat(text(result)).isEqualTo(RESTORED_HEADER + INNER);
        }
    }
}
