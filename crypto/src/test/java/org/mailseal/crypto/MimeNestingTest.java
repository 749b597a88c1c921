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
import org.mailseal.crypto.testing.TestUser;

/**
 * MIME nested 10,000 deep inside an encrypted message ends in a clean {@link LimitExceededException} (DESIGN.md
 * invariant 6), never a {@link StackOverflowError}: whatever parses the plaintext later gets bounded work.
 */
class MimeNestingTest {
    private static final String BOB = "bob@example.org";
    private static final String HEADER = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Deep\r\n"
            + "MIME-Version: 1.0\r\n";
    private static final int DEEP = 10_000;

    @TempDir
    static Path dir;
    static TestUser bob;

    @BeforeAll
    static void keys() throws Exception {
        bob = TestUser.create(dir, BOB, Format.PGP_MIME, Format.SMIME);
    }

    /** Multiparts, each the only part of the one around it, {@code depth} levels in all. */
    static String nestedMultiparts(int depth) {
        StringBuilder message = new StringBuilder(HEADER);
        for (int level = 0; level < depth; level++) {
            message.append("Content-Type: multipart/mixed; boundary=\"b").append(level).append("\"\r\n\r\n")
                    .append("--b").append(level).append("\r\n");
        }
        message.append("Content-Type: text/plain\r\n\r\nthe bottom\r\n");
        for (int level = depth - 1; level >= 0; level--) {
            message.append("--b").append(level).append("--\r\n");
        }
        return message.toString();
    }

    /** message/rfc822 inside message/rfc822, {@code depth} levels. */
    static String nestedMessages(int depth) {
        StringBuilder message = new StringBuilder(HEADER);
        for (int level = 0; level < depth; level++) {
            message.append("Content-Type: message/rfc822\r\n\r\n");
        }
        return message.append("Subject: bottom\r\n\r\nthe bottom\r\n").toString();
    }

    private static byte[] encrypt(String message, Format format) throws Exception {
        return bob.encrypt(message.getBytes(StandardCharsets.US_ASCII), format);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void nestingUpToTheLimitIsRead(Format format) throws Exception {
        String message = nestedMultiparts(CryptoLimits.DEFAULTS.maxMimeDepth());

        try (DecryptionResult result = bob.decrypt(encrypt(message, format))) {
            assertThat(new String(result.message().toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(message);
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void oneLevelMoreIsRefused(Format format) throws Exception {
        byte[] encrypted = encrypt(nestedMultiparts(CryptoLimits.DEFAULTS.maxMimeDepth() + 1), format);

        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: MIME nesting deeper than 50");
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void multipartsTenThousandDeep(Format format) throws Exception {
        byte[] encrypted = encrypt(nestedMultiparts(DEEP), format);

        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: MIME nesting deeper than 50");
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void messagesTenThousandDeep(Format format) throws Exception {
        byte[] encrypted = encrypt(nestedMessages(DEEP), format);

        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: MIME nesting deeper than 50");
    }

    @Test
    void multipartsTenThousandDeepInThePgpMimeWrapper() throws Exception {
        // The nesting sits outside the ciphertext, between the version part and the encrypted part.
        String encrypted = new String(encrypt("Subject: x\r\n\r\nhello\r\n", Format.PGP_MIME), StandardCharsets.US_ASCII);
        String boundary = encrypted.substring(encrypted.indexOf("boundary=\"") + 10);
        boundary = boundary.substring(0, boundary.indexOf('"'));
        String encryptedPart = "--" + boundary + "\r\nContent-Type: application/octet-stream";
        String junk = nestedMultiparts(DEEP).substring(HEADER.length());
        String attacked = encrypted.replace(encryptedPart, "--" + boundary + "\r\n" + junk + encryptedPart);
        assertThat(attacked).hasSizeGreaterThan(encrypted.length() + 100_000);

        // Outside the ciphertext but inside the encrypted message's structure: reported as a failed decryption.
        // Only the wrapper's direct children are looked at, so the nesting costs no stack (mime4j overflowed here).
        assertThatThrownBy(() -> bob.decrypt(attacked.getBytes(StandardCharsets.US_ASCII)))
                .isExactlyInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed")
                .cause().isExactlyInstanceOf(java.io.IOException.class)
                .hasMessage("PGP/MIME message without an encrypted part");
    }
}
