package org.mailseal.crypto.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.EncryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.GnuPg;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;

/**
 * mailseal writes PGP/MIME, GnuPG reads it: the armored block is taken out of the RFC 3156 structure and fed to
 * {@code gpg --decrypt}, whose output must be the inner MIME entity, protected Subject included. Keys come from both
 * sides: mailseal's own (exported still passphrase-protected and imported into gpg) and gpg's (imported as
 * certificates into the key home).
 */
class GnuPgReadsMailsealTest {
    private static final String MAILSEAL_CV25519 = "bob@example.org";
    private static final String MAILSEAL_RSA3072 = "robert@example.org";
    private static final String GPG_CAROL = "carol@example.org";
    private static final String GPG_DAVE = "dave@example.org";

    @TempDir
    static Path dir;
    /** Holds mailseal's two users and the certificates of carol and dave. */
    static FileKeyHome home;
    /** Holds mailseal's two secret keys and carol's key. */
    @AutoClose
    static GnuPg gpg;
    /** A second, separate GnuPG home holding only dave's key. */
    @AutoClose
    static GnuPg otherGpg;

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir);
        TestUser cv25519 = TestUser.inHome(home, MAILSEAL_CV25519, Format.PGP_MIME, KeyAlgorithm.CV25519);
        TestUser rsa3072 = TestUser.inHome(home, MAILSEAL_RSA3072, Format.PGP_MIME, KeyAlgorithm.RSA3072);
        gpg = GnuPg.start();
        otherGpg = GnuPg.start();
        gpg.importSecretKey(cv25519);
        gpg.importSecretKey(rsa3072);
        String carol = gpg.generateKey(GPG_CAROL, GnuPg.KeyType.CV25519);
        String dave = otherGpg.generateKey(GPG_DAVE, GnuPg.KeyType.CV25519);
        home.importKeys(gpg.exportPublic(carol), null);
        home.importKeys(otherGpg.exportPublic(dave), null);
    }

    private static byte[] encrypt(byte[] message, EncryptionOptions options, String... addresses) throws Exception {
        List<RecipientKey> recipients = new ArrayList<>();
        for (String address : addresses) {
            recipients.add(TestKeys.recipient(home, address, Format.PGP_MIME));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EncryptionResult result = new MessageEncryptor(CryptoLimits.DEFAULTS, options)
                .encrypt(new ByteArrayInputStream(message), out, recipients);
        assertThat(result.format()).isEqualTo(Format.PGP_MIME);
        assertThat(result.integrity()).isEqualTo(Integrity.MDC);
        return out.toByteArray();
    }

    /** Decrypts with gpg and checks that it reported a verified MDC and AES-256 (RFC 4880 algorithm 9). */
    private static byte[] gpgDecrypt(GnuPg gnuPg, byte[] pgpMime, String passphrase) throws Exception {
        ExternalCommand.Result result = gnuPg.decrypt(PgpMime.armoredMessage(pgpMime), passphrase);
        assertThat(result.exitCode()).as(result.stderrText()).isZero();
        assertThat(result.stderrText())
                .contains("[GNUPG:] DECRYPTION_INFO 2 9")
                .contains("[GNUPG:] DECRYPTION_OKAY")
                .contains("[GNUPG:] GOODMDC");
        return result.stdout();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {MAILSEAL_CV25519, MAILSEAL_RSA3072})
    void gpgReadsMessagesToKeysThatMailsealGenerated(String address) throws Exception {
        byte[] original = Messages.simple("Quarterly numbers", "Grüße aus Köln\r\n.\r\nbye\r\n");

        byte[] encrypted = encrypt(original, EncryptionOptions.DEFAULTS, address);

        assertThat(text(encrypted)).contains("Subject: ...\r\n").doesNotContain("Quarterly");
        byte[] inner = gpgDecrypt(gpg, encrypted, TestKeys.PASSWORD);
        assertThat(Messages.header(inner))
                .contains("Subject: Quarterly numbers\r\n")
                .contains("Content-Type: text/plain; charset=utf-8;\r\n hp=\"cipher\"");
        assertThat(Messages.body(inner)).isEqualTo(Messages.body(original));
    }

    @Test
    void gpgReadsMessagesToKeysThatItGeneratedItself() throws Exception {
        byte[] original = Messages.simple("Meeting", "See you at 10.\r\n");

        byte[] inner = gpgDecrypt(gpg, encrypt(original, EncryptionOptions.DEFAULTS, GPG_CAROL), null);

        assertThat(Messages.header(inner)).contains("Subject: Meeting\r\n");
        assertThat(Messages.body(inner)).isEqualTo(Messages.body(original));
    }

    @Test
    void oneCiphertextForSeveralRecipientsOpensInEachGnuPgHome() throws Exception {
        byte[] original = Messages.simple("For both of you", "One ciphertext, two readers.\r\n");

        byte[] encrypted = encrypt(original, EncryptionOptions.DEFAULTS, GPG_CAROL, GPG_DAVE, MAILSEAL_CV25519);

        String packets = gpg.listPackets(PgpMime.armoredMessage(encrypted), null);
        assertThat(packets.split(":pubkey enc packet:", -1)).hasSize(4);
        byte[] forCarol = gpgDecrypt(gpg, encrypted, null);
        byte[] forDave = gpgDecrypt(otherGpg, encrypted, null);
        assertThat(forDave).isEqualTo(forCarol);
        assertThat(Messages.header(forCarol)).contains("Subject: For both of you\r\n");
        assertThat(Messages.body(forCarol)).isEqualTo(Messages.body(original));
    }

    static Stream<Arguments> messages() {
        byte[] attachment = new byte[40_000];
        for (int i = 0; i < attachment.length; i++) {
            attachment[i] = (byte) (i * 31 + (i >> 7));
        }
        return Stream.of(
                Arguments.of("UTF-8 body", Messages.simple("Ünïcödé ✓", "Ελληνικά, 日本語, emoji 🙂\r\nline two\r\n")),
                Arguments.of("attachment", Messages.withAttachment("Report", attachment)),
                Arguments.of("8-bit ISO-8859-1", Messages.latin1("Café", "Déjà vu: ÀÉÎÕÜ ß ÿ\r\n\r\nFrom here on\r\n-- \r\n")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void gpgGetsTheExactBodyBytes(String name, byte[] original) throws Exception {
        byte[] inner = gpgDecrypt(gpg, encrypt(original, EncryptionOptions.DEFAULTS, GPG_CAROL), null);

        assertThat(Messages.body(inner)).isEqualTo(Messages.body(original));
        assertThat(Messages.header(inner)).contains(Messages.header(original).lines()
                .filter(line -> line.startsWith("Subject:")).findFirst().orElseThrow());
    }

    @Test
    void withoutHeaderProtectionGpgSeesOnlyTheContentFields() throws Exception {
        byte[] original = Messages.simple("Visible", "hello\r\n");

        byte[] encrypted = encrypt(original, new EncryptionOptions(null), GPG_CAROL);

        assertThat(text(encrypted)).contains("Subject: Visible\r\n");
        byte[] inner = gpgDecrypt(gpg, encrypted, null);
        assertThat(text(inner)).isEqualTo(
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nhello\r\n");
    }
}
