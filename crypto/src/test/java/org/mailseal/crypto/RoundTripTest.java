package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestKeys;

class RoundTripTest {
    @TempDir
    static Path dir;
    static FileKeyHome home;

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir);
        TestKeys.generate(home, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
        TestKeys.generate(home, "bob@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
    }

    private static byte[] encrypt(byte[] message, RecipientKey key, EncryptionOptions options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor(CryptoLimits.DEFAULTS, options).encrypt(new ByteArrayInputStream(message), out, List.of(key));
        return out.toByteArray();
    }

    private static DecryptionResult decrypt(byte[] encrypted) throws Exception {
        return new MessageDecryptor().decrypt(new ByteArrayInputStream(encrypted), TestKeys.unlock(home, "bob@example.org"));
    }

    @Test
    void pgpMimeRoundTripRestoresProtectedSubject() throws Exception {
        byte[] original = Messages.simple("Quarterly numbers", "Grüße aus Köln\r\n.\r\nbye\r\n");
        byte[] encrypted = encrypt(original, TestKeys.recipient(home, "bob@example.org", Format.PGP_MIME), EncryptionOptions.DEFAULTS);
        String outside = new String(encrypted, StandardCharsets.US_ASCII);
        assertThat(outside).contains("Subject: ...\r\n").doesNotContain("Quarterly").contains("multipart/encrypted");
        try (DecryptionResult result = decrypt(encrypted)) {
            assertThat(result.format()).isEqualTo(Format.PGP_MIME);
            assertThat(result.integrity()).isEqualTo(Integrity.MDC);
            assertThat(new String(result.message().toByteArray(), StandardCharsets.UTF_8))
                    .isEqualTo(new String(original, StandardCharsets.UTF_8));
            assertThat(result.message().size()).isEqualTo(original.length);
        }
    }

    @Test
    void smimeAuthEnvelopedRoundTrip() throws Exception {
        byte[] original = Messages.withAttachment("Report", new byte[5000]);
        byte[] encrypted = encrypt(original, TestKeys.recipient(home, "bob@example.org", Format.SMIME), EncryptionOptions.DEFAULTS);
        assertThat(new String(encrypted, StandardCharsets.US_ASCII)).contains("smime-type=authEnveloped-data");
        try (DecryptionResult result = decrypt(encrypted)) {
            assertThat(result.integrity()).isEqualTo(Integrity.AEAD);
            assertThat(result.message().toByteArray()).isEqualTo(original);
        }
    }

    @Test
    void withoutHeaderProtectionTheSubjectStaysOutside() throws Exception {
        byte[] original = Messages.simple("Visible", "hello\r\n");
        byte[] encrypted = encrypt(original, TestKeys.recipient(home, "bob@example.org", Format.PGP_MIME), new EncryptionOptions(null));
        assertThat(new String(encrypted, StandardCharsets.US_ASCII)).contains("Subject: Visible\r\n");
        try (DecryptionResult result = decrypt(encrypted)) {
            String plain = new String(result.message().toByteArray(), StandardCharsets.UTF_8);
            assertThat(plain).contains("Subject: Visible\r\n").endsWith("\r\n\r\nhello\r\n");
        }
    }
}
