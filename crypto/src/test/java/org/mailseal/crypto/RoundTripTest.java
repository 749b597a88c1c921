package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestUser;

class RoundTripTest {
    @TempDir
    static Path dir;
    static TestUser bob;

    @BeforeAll
    static void keys() throws Exception {
        bob = TestUser.create(dir, "bob@example.org", Format.PGP_MIME, Format.SMIME);
    }

    @Test
    void pgpMimeRoundTripRestoresProtectedSubject() throws Exception {
        byte[] original = Messages.simple("Quarterly numbers", "Grüße aus Köln\r\n.\r\nbye\r\n");
        byte[] encrypted = bob.encrypt(original, Format.PGP_MIME);
        String outside = new String(encrypted, StandardCharsets.US_ASCII);
        assertThat(outside).contains("Subject: ...\r\n").doesNotContain("Quarterly").contains("multipart/encrypted");
        try (DecryptionResult result = bob.decrypt(encrypted)) {
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
        byte[] encrypted = bob.encrypt(original, Format.SMIME);
        assertThat(new String(encrypted, StandardCharsets.US_ASCII)).contains("smime-type=authEnveloped-data");
        try (DecryptionResult result = bob.decrypt(encrypted)) {
            assertThat(result.integrity()).isEqualTo(Integrity.AEAD);
            assertThat(result.message().toByteArray()).isEqualTo(original);
        }
    }

    @Test
    void withoutHeaderProtectionTheSubjectStaysOutside() throws Exception {
        byte[] original = Messages.simple("Visible", "hello\r\n");
        byte[] encrypted = bob.encrypt(original, Format.PGP_MIME, new EncryptionOptions(null));
        assertThat(new String(encrypted, StandardCharsets.US_ASCII)).contains("Subject: Visible\r\n");
        try (DecryptionResult result = bob.decrypt(encrypted)) {
            String plain = new String(result.message().toByteArray(), StandardCharsets.UTF_8);
            assertThat(plain).contains("Subject: Visible\r\n").endsWith("\r\n\r\nhello\r\n");
        }
    }
}
