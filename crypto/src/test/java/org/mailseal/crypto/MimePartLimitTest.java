package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.testing.TestUser;

/**
 * The other bounds on the decrypted MIME structure (DESIGN.md invariant 6): the number of parts, and the header
 * fields of a part deep inside. Each ends in {@link LimitExceededException}, the documented signal for a message
 * beyond the limits, not in a plain {@link java.io.IOException} that reads like a broken stream.
 */
class MimePartLimitTest {
    private static final String BOB = "bob@example.org";
    private static final String HEAD = "From: alice@example.org\r\nSubject: Parts\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
    private static final String TEXT_PART = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n";

    @TempDir
    static Path dir;
    static TestUser bob;

    @BeforeAll
    static void keys() throws Exception {
        bob = TestUser.create(dir, BOB, Format.PGP_MIME);
    }

    private static byte[] encrypt(String message) throws Exception {
        return bob.encrypt(message.getBytes(StandardCharsets.US_ASCII), Format.PGP_MIME);
    }

    @Test
    void partsUpToTheLimitAreRead() throws Exception {
        String message = HEAD + TEXT_PART.repeat(CryptoLimits.DEFAULTS.maxMimeParts()) + "--b--\r\n";

        try (DecryptionResult result = bob.decrypt(encrypt(message))) {
            assertThat(result.message().size()).isEqualTo(message.length());
        }
    }

    @Test
    void onePartMoreIsRefused() throws Exception {
        byte[] encrypted = encrypt(HEAD + TEXT_PART.repeat(CryptoLimits.DEFAULTS.maxMimeParts() + 1) + "--b--\r\n");

        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: more than 10000 MIME parts");
    }

    @Test
    void tooManyHeaderFieldsInAPart() throws Exception {
        byte[] encrypted = encrypt(HEAD + "--b\r\n" + "X-Filler: y\r\n".repeat(10_001) + "\r\nx\r\n--b--\r\n");

        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: more than 10000 header fields in a MIME part");
    }

    @Test
    void aHeaderFieldInAPartLongerThanTheHeaderLimit() throws Exception {
        int limit = CryptoLimits.DEFAULTS.maxHeaderBytes();
        byte[] encrypted = encrypt(HEAD + "--b\r\nX-Filler: " + "y".repeat(limit) + "\r\n\r\nx\r\n--b--\r\n");

        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: MIME header field larger than 262144 bytes");
    }
}
