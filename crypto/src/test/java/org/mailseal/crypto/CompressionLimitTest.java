package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.CraftedPgp;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestUser;

/**
 * Compression inside OpenPGP is bounded (DESIGN.md invariant 6): one level, as GnuPG writes, and no more
 * decompressed octets than the limit. Both end in the uniform {@link DecryptionFailedException}, since they are
 * only visible after decryption.
 */
class CompressionLimitTest {
    private static final String BOB = "bob@example.org";
    private static final String OUTER_HEADER = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: ...\r\n";
    private static final byte[] INNER = ("Content-Type: text/plain; charset=us-ascii\r\n\r\nCompressed hello.\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final long GIB = 1L << 30;
    private static final CryptoLimits LIMITS = CryptoLimits.DEFAULTS
            .withMaxDecompressedBytes(16 << 20)
            .withMemoryBufferBytes(1 << 20);

    @TempDir
    static Path dir;
    static List<UnlockedKey> keys;
    static PGPPublicKey bob;

    @BeforeAll
    static void keys() throws Exception {
        TestUser user = TestUser.create(dir, BOB, Format.PGP_MIME);
        keys = user.keys();
        bob = ((RecipientKey.Pgp) user.recipient(Format.PGP_MIME)).encryptionKeys().get(0);
    }

    private static DecryptionResult decrypt(InputStream message) throws Exception {
        return new MessageDecryptor(LIMITS, DecryptionOptions.DEFAULTS).decrypt(message, keys);
    }

    @Test
    void oneLevelOfCompressionIsRead() throws Exception {
        byte[] message = PgpMime.wrap(OUTER_HEADER, CraftedPgp.encrypt(bob, true, CraftedPgp.zip(CraftedPgp.literal(INNER))));

        try (DecryptionResult result = decrypt(new ByteArrayInputStream(message))) {
            assertThat(new String(result.message().toByteArray(), StandardCharsets.US_ASCII))
                    .isEqualTo(OUTER_HEADER + "MIME-Version: 1.0\r\n" + new String(INNER, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void compressionInsideCompressionIsRefused() throws Exception {
        byte[] message = PgpMime.wrap(OUTER_HEADER,
                CraftedPgp.encrypt(bob, true, CraftedPgp.zip(CraftedPgp.zip(CraftedPgp.literal(INNER)))));

        assertThatThrownBy(() -> decrypt(new ByteArrayInputStream(message)))
                .isExactlyInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed")
                .cause().isInstanceOf(LimitExceededException.class)
                .hasMessage("limit exceeded: compressed packets nested deeper than 1");
    }

    @Test
    void oneGibibyteOfZerosStopsAtTheDecompressionLimit() throws Exception {
        byte[] bomb = CraftedPgp.encrypt(bob, true, CraftedPgp.zip(CraftedPgp.zeros(GIB)));
        assertThat(bomb.length).as("armored size of the bomb").isBetween(1 << 20, 3 << 20);
        byte[] message = PgpMime.wrap(OUTER_HEADER, bomb);
        CountingInputStream counted = new CountingInputStream(new ByteArrayInputStream(message));

        assertThatThrownBy(() -> decrypt(counted))
                .isExactlyInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed")
                .cause().isInstanceOf(LimitExceededException.class)
                .hasMessageMatching("limit exceeded: (decompressed data|plaintext) larger than 16777216 bytes");
        // The encrypted message is read whole (it is small); decompression stopped at the limit, as the cause says.
        assertThat(counted.count).isEqualTo(message.length);
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
