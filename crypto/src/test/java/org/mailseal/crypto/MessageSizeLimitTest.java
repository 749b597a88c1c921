package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestUser;

/**
 * A message larger than maxMessageBytes is refused with {@link LimitExceededException}, as documented on
 * {@link MessageDecryptor#decrypt}: its size is a public fact, so the answer may say so, in either format.
 */
class MessageSizeLimitTest {
    private static final String BOB = "bob@example.org";
    private static final CryptoLimits SMALL = CryptoLimits.DEFAULTS.withMaxMessageBytes(100_000);

    @TempDir
    static Path dir;
    static TestUser bob;
    static byte[] large;

    @BeforeAll
    static void keys() throws Exception {
        bob = TestUser.create(dir, BOB, Format.PGP_MIME, Format.SMIME);
        byte[] attachment = new byte[300_000];
        for (int i = 0; i < attachment.length; i++) {
            attachment[i] = (byte) (i * 7 + (i >> 9));
        }
        large = Messages.withAttachment("Large", attachment);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void withinTheLimitItDecrypts(Format format) throws Exception {
        byte[] encrypted = bob.encrypt(large, format);

        try (DecryptionResult result = new MessageDecryptor(CryptoLimits.DEFAULTS.withMaxMessageBytes(1 << 20),
                DecryptionOptions.DEFAULTS).decrypt(new ByteArrayInputStream(encrypted), bob.keys())) {
            assertThat(result.message().toByteArray()).isEqualTo(large);
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void aLargerMessageIsRefusedAsTooLarge(Format format) throws Exception {
        byte[] encrypted = bob.encrypt(large, format);

        assertThatThrownBy(() -> new MessageDecryptor(SMALL, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(encrypted), bob.keys()))
                .isExactlyInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: message larger than 100000 bytes");
    }
}
