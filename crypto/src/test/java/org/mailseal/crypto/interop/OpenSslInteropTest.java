package org.mailseal.crypto.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.EncryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.OpenSsl;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;

/**
 * S/MIME against OpenSSL in both directions. mailseal writes AES-256-CBC EnvelopedData to a certificate without
 * S/MIME capabilities (one that {@code openssl req} made) and AES-256-GCM AuthEnvelopedData to its own certificates;
 * {@code openssl cms -decrypt} must read both. {@code openssl cms -encrypt} writes both kinds; mailseal reads GCM by
 * default and CBC only when unauthenticated decryption is explicitly allowed.
 */
class OpenSslInteropTest {
    /** mailseal generated this key; its certificate lists AES-256-GCM. */
    private static final String BOB = "bob@example.org";
    /** openssl generated this key; the certificate and a PKCS#12 file were imported into the key home. */
    private static final String ERIN = "erin@example.org";
    private static final String OUTER_HEADER = "From: Alice <alice@example.org>\r\n"
            + "To: Bob <bob@example.org>\r\n"
            + "Subject: Salaries\r\n";
    private static final String INNER = "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "Grüße from OpenSSL.\r\n";

    @TempDir
    static Path dir;
    static FileKeyHome home;
    static OpenSsl openssl;
    /** Bob's key as openssl reads it, converted from the PKCS#12 file that mailseal exported. */
    static OpenSsl.KeyPair bobForOpenssl;
    static OpenSsl.KeyPair erinForOpenssl;
    static TestUser bob;
    static TestUser erin;

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir);
        openssl = OpenSsl.start();
        bob = TestUser.inHome(home, BOB, Format.SMIME);
        bobForOpenssl = openssl.fromPkcs12("bob", home.exportSecret(BOB, Format.SMIME), TestKeys.PASSWORD);
        erinForOpenssl = openssl.selfSigned(ERIN, 3072);
        home.importKeys(Files.readAllBytes(erinForOpenssl.certificate()), null);
        home.importKeys(openssl.pkcs12(erinForOpenssl, TestKeys.PASSWORD), TestKeys.PASSWORD.toCharArray());
        erin = TestUser.existing(home, ERIN);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        openssl.close();
    }

    private static byte[] mailsealEncrypt(byte[] message, TestUser to) throws Exception {
        RecipientKey recipient = to.recipient(Format.SMIME);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EncryptionResult result = new MessageEncryptor(CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS)
                .encrypt(new ByteArrayInputStream(message), out, List.of(recipient));
        assertThat(result.format()).isEqualTo(Format.SMIME);
        return out.toByteArray();
    }

    private static byte[] opensslDecrypt(byte[] message, OpenSsl.KeyPair recipient) throws Exception {
        ExternalCommand.Result result = openssl.cmsDecrypt(message, recipient);
        assertThat(result.exitCode()).as(result.stderrText()).isZero();
        return result.stdout();
    }

    private static byte[] opensslEncrypt(String cipherOption, Path certificate) throws Exception {
        byte[] smime = openssl.cmsEncrypt(INNER.getBytes(StandardCharsets.UTF_8), cipherOption, certificate);
        byte[] header = OUTER_HEADER.getBytes(StandardCharsets.US_ASCII);
        byte[] message = new byte[header.length + smime.length];
        System.arraycopy(header, 0, message, 0, header.length);
        System.arraycopy(smime, 0, message, header.length, smime.length);
        return message;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void opensslReadsCbcEnvelopedDataForACertificateWithoutCapabilities() throws Exception {
        byte[] original = Messages.simple("Quarterly numbers", "Grüße aus Köln\r\n.\r\nbye\r\n");
        assertThat(erin.recipient(Format.SMIME))
                .isInstanceOfSatisfying(RecipientKey.Smime.class, key -> assertThat(key.authEnveloped()).isFalse());

        byte[] encrypted = mailsealEncrypt(original, erin);

        assertThat(text(encrypted)).contains("smime-type=enveloped-data").contains("Subject: ...\r\n")
                .doesNotContain("Quarterly");
        assertThat(openssl.cmsPrint(encrypted)).contains("algorithm: aes-256-cbc");
        byte[] inner = opensslDecrypt(encrypted, erinForOpenssl);
        assertThat(Messages.header(inner)).contains("Subject: Quarterly numbers\r\n");
        assertThat(Messages.body(inner)).isEqualTo(Messages.body(original));
    }

    @Test
    void opensslReadsGcmAuthEnvelopedDataWithTheKeyMailsealExported() throws Exception {
        byte[] attachment = new byte[20_000];
        for (int i = 0; i < attachment.length; i++) {
            attachment[i] = (byte) (i ^ (i >> 8));
        }
        byte[] original = Messages.withAttachment("Report", attachment);

        byte[] encrypted = mailsealEncrypt(original, bob);

        assertThat(text(encrypted)).contains("smime-type=authEnveloped-data").doesNotContain("Subject: Report");
        assertThat(openssl.cmsPrint(encrypted)).contains("algorithm: aes-256-gcm");
        byte[] inner = opensslDecrypt(encrypted, bobForOpenssl);
        assertThat(Messages.header(inner)).contains("Subject: Report\r\n");
        assertThat(Messages.body(inner)).isEqualTo(Messages.body(original));
    }

    @Test
    void readsOpensslGcmAuthEnvelopedData() throws Exception {
        byte[] message = opensslEncrypt("-aes-256-gcm", bobForOpenssl.certificate());
        assertThat(text(message)).contains("smime-type=authEnveloped-data");

        try (DecryptionResult result = bob.decrypt(message)) {
            assertThat(result.format()).isEqualTo(Format.SMIME);
            assertThat(result.integrity()).isEqualTo(Integrity.AEAD);
            assertThat(result.keyFingerprint()).isEqualTo(bob.keys().get(0).fingerprint());
            assertThat(text(result.message().toByteArray())).isEqualTo(OUTER_HEADER + "MIME-Version: 1.0\r\n" + INNER);
        }
    }

    @Test
    void refusesOpensslCbcEnvelopedDataByDefault() throws Exception {
        byte[] message = opensslEncrypt("-aes256", erinForOpenssl.certificate());
        assertThat(openssl.cmsPrint(message)).contains("algorithm: aes-256-cbc");

        assertThatThrownBy(() -> erin.decrypt(message))
                .isInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed: S/MIME EnvelopedData (CBC) has no integrity protection and is not allowed");
    }

    @Test
    void readsOpensslCbcEnvelopedDataWhenUnauthenticatedIsAllowed() throws Exception {
        byte[] message = opensslEncrypt("-aes256", erinForOpenssl.certificate());
        MessageDecryptor permissive = new MessageDecryptor(CryptoLimits.DEFAULTS, new DecryptionOptions(true));

        try (DecryptionResult result = permissive.decrypt(new ByteArrayInputStream(message), erin.keys())) {
            assertThat(result.format()).isEqualTo(Format.SMIME);
            assertThat(result.integrity()).isEqualTo(Integrity.NONE);
            assertThat(text(result.message().toByteArray())).isEqualTo(OUTER_HEADER + "MIME-Version: 1.0\r\n" + INNER);
        }
    }

    @Test
    void readsOpensslGcmWithRsaOaepKeyTransport() throws Exception {
        byte[] smime = openssl.cmsEncrypt(INNER.getBytes(StandardCharsets.UTF_8), "-aes-256-gcm",
                bobForOpenssl.certificate(), "-keyopt", "rsa_padding_mode:oaep");
        byte[] message = (OUTER_HEADER + new String(smime, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertThat(openssl.cmsPrint(message)).contains("algorithm: rsaesOaep");

        try (DecryptionResult result = bob.decrypt(message)) {
            assertThat(result.integrity()).isEqualTo(Integrity.AEAD);
            assertThat(text(result.message().toByteArray())).isEqualTo(OUTER_HEADER + "MIME-Version: 1.0\r\n" + INNER);
        }
    }

    @Test
    void readsARecipientNamedBySubjectKeyIdentifier() throws Exception {
        byte[] smime = openssl.cmsEncrypt(INNER.getBytes(StandardCharsets.UTF_8), "-aes-256-gcm",
                erinForOpenssl.certificate(), "-keyid");
        byte[] message = (OUTER_HEADER + new String(smime, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertThat(openssl.cmsPrint(message)).contains("subjectKeyIdentifier");

        try (DecryptionResult result = erin.decrypt(message)) {
            assertThat(result.keyFingerprint()).isEqualTo(erin.keys().get(0).fingerprint());
            assertThat(text(result.message().toByteArray())).isEqualTo(OUTER_HEADER + "MIME-Version: 1.0\r\n" + INNER);
        }
    }
}
