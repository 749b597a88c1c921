package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.CraftedPgp;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.OpenPgpPackets;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;

/**
 * Decryption fails closed and looks the same whatever went wrong (DESIGN.md invariant 2): a flipped ciphertext
 * byte, a truncated message, an OpenPGP packet without integrity protection and the wrong key all end in
 * {@link DecryptionFailedException} with the one message {@code decryption failed}, no plaintext is handed out, and
 * the plaintext that was buffered before the check failed is gone (the buffer is small, so it had spilled to a file).
 */
class DecryptionFailureTest {
    private static final String BOB = "bob@example.org";
    private static final String CAROL = "carol@example.org";
    /** Her key advertises SEIPD v2, so mailseal writes AEAD (OCB) packets to her. */
    private static final String DANA = "dana@example.org";
    /** SEIPD v2 as mailseal writes it: 4 octets, 32 octets of salt, then 256 KiB chunks with 16-octet tags. */
    private static final int V2_PREFIX = 36;
    private static final int V2_CHUNK = 1 << 18;
    private static final int TAG = 16;
    private static final String OUTER_HEADER = "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: ...\r\n";
    /** Small, so that the plaintext decrypted before the integrity check spills to a temp file. */
    private static final CryptoLimits LIMITS = CryptoLimits.DEFAULTS.withMemoryBufferBytes(16 << 10);

    @TempDir
    static Path keyDir;
    static TestUser bob;
    static TestUser carol;
    static TestUser dana;
    static byte[] original;

    @TempDir
    Path spillDir;
    private String savedTmpDir;

    @BeforeAll
    static void keys() throws Exception {
        FileKeyHome home = TestKeys.home(keyDir);
        bob = TestUser.inHome(home, BOB, Format.PGP_MIME, Format.SMIME);
        carol = TestUser.inHome(home, CAROL, Format.PGP_MIME, Format.SMIME);
        OpenPGPKey danaKey = PgpKeys.generate(DANA, KeyAlgorithm.CV25519, TestKeys.PASSWORD.toCharArray(), new Date(), true);
        home.importKeys(PgpKeys.armoredSecretKey(danaKey).getBytes(StandardCharsets.US_ASCII), null);
        dana = TestUser.existing(home, DANA);
        StringBuilder body = new StringBuilder();
        while (body.length() < 600_000) {
            body.append("Confidential line ").append(body.length()).append("\r\n");
        }
        original = Messages.simple("Secret", body.toString());
    }

    /** The spill buffer writes to java.io.tmpdir: point it at a directory this test can watch. */
    @BeforeEach
    void watchSpillFiles() {
        savedTmpDir = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", spillDir.toString());
    }

    @AfterEach
    void restoreTmpDir() {
        System.setProperty("java.io.tmpdir", savedTmpDir);
    }

    private void assertFailsClosed(byte[] message, List<UnlockedKey> keys) throws IOException {
        assertThatThrownBy(() -> new MessageDecryptor(LIMITS, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(message), keys))
                .isExactlyInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed");
        try (var left = Files.list(spillDir)) {
            assertThat(left).as("plaintext left in spill files").isEmpty();
        }
    }

    /** The control case: untouched, the same message decrypts, and it is big enough to have spilled. */
    @ParameterizedTest
    @EnumSource(Format.class)
    void untouchedMessageDecrypts(Format format) throws Exception {
        try (DecryptionResult result = new MessageDecryptor(LIMITS, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(bob.encrypt(original, format)), bob.keys())) {
            assertThat(result.message().toByteArray()).isEqualTo(original);
            try (var spilled = Files.list(spillDir)) {
                assertThat(spilled).hasSize(1);
            }
        }
        try (var left = Files.list(spillDir)) {
            assertThat(left).isEmpty();
        }
    }

    // ---------------------------------------------------------------- re-encoding helpers

    /** Edits the binary OpenPGP message inside a PGP/MIME message and re-armors it (with a correct armor CRC). */
    private static byte[] editPgp(byte[] pgpMime, UnaryOperator<byte[]> edit) throws IOException {
        byte[] binary;
        try (InputStream in = new ArmoredInputStream(new ByteArrayInputStream(PgpMime.armoredMessage(pgpMime)))) {
            binary = in.readAllBytes();
        }
        ByteArrayOutputStream armored = new ByteArrayOutputStream();
        try (ArmoredOutputStream out = ArmoredOutputStream.builder().clearHeaders().build(armored)) {
            out.write(edit.apply(binary));
        }
        return PgpMime.wrap(OUTER_HEADER, armored.toByteArray());
    }

    /** Edits the DER of an S/MIME message and re-encodes its base64 body. */
    private static byte[] editSmime(byte[] smime, UnaryOperator<byte[]> edit) {
        String header = Messages.header(smime) + "\r\n\r\n";
        byte[] der = Base64.getMimeDecoder().decode(Messages.body(smime));
        String body = Base64.getMimeEncoder().encodeToString(edit.apply(der)) + "\r\n";
        return (header + body).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] edit(byte[] message, Format format, UnaryOperator<byte[]> edit) throws IOException {
        return format == Format.PGP_MIME ? editPgp(message, edit) : editSmime(message, edit);
    }

    private static UnaryOperator<byte[]> flipAt(int fromEnd) {
        return bytes -> {
            byte[] copy = bytes.clone();
            int index = fromEnd < 0 ? copy.length + fromEnd : copy.length / 2;
            copy[index] ^= 0x01;
            return copy;
        };
    }

    /** The offset of the 16 AES-GCM tag octets: the last OCTET STRING of length 16, before BER end-of-contents. */
    private static int gcmTagOffset(byte[] der) {
        int end = der.length;
        while (end >= 2 && der[end - 1] == 0 && der[end - 2] == 0) {
            end -= 2;
        }
        if (der[end - 18] != 0x04 || der[end - 17] != 0x10) {
            throw new IllegalStateException("no 16-octet MAC at the end of the AuthEnvelopedData");
        }
        return end - 16;
    }

    // ---------------------------------------------------------------- the failures

    @ParameterizedTest
    @EnumSource(Format.class)
    void flippedByteInTheMiddleOfTheCiphertext(Format format) throws Exception {
        assertFailsClosed(edit(bob.encrypt(original, format), format, flipAt(0)), bob.keys());
    }

    @Test
    void flippedByteInTheModificationDetectionCode() throws Exception {
        // The last 22 octets of a SEIPD v1 packet are the encrypted MDC packet (RFC 4880 §5.14).
        assertFailsClosed(editPgp(bob.encrypt(original, Format.PGP_MIME), flipAt(-5)), bob.keys());
    }

    @Test
    void flippedByteInTheGcmTag() throws Exception {
        assertFailsClosed(editSmime(bob.encrypt(original, Format.SMIME), der -> {
            byte[] copy = der.clone();
            copy[gcmTagOffset(der) + 7] ^= 0x01;
            return copy;
        }), bob.keys());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 22, 100_000})
    void truncatedOpenPgpPacketsInValidArmor(int cut) throws Exception {
        assertFailsClosed(editPgp(bob.encrypt(original, Format.PGP_MIME),
                binary -> Arrays.copyOf(binary, binary.length - cut)), bob.keys());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 18, 100_000})
    void truncatedCmsInValidBase64(int cut) throws Exception {
        assertFailsClosed(editSmime(bob.encrypt(original, Format.SMIME), der -> {
            int end = gcmTagOffset(der) + 16;
            return Arrays.copyOf(der, end - cut);
        }), bob.keys());
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void messageCutOffInTransit(Format format) throws Exception {
        byte[] encrypted = bob.encrypt(original, format);
        assertFailsClosed(Arrays.copyOf(encrypted, encrypted.length * 2 / 3), bob.keys());
    }

    @Test
    void openPgpDataWithoutIntegrityProtection() throws Exception {
        RecipientKey.Pgp bobKey = (RecipientKey.Pgp) bob.recipient(Format.PGP_MIME);
        byte[] armored = CraftedPgp.encrypt(bobKey.encryptionKeys().get(0), false, CraftedPgp.literal(original));
        byte[] withMdc = CraftedPgp.encrypt(bobKey.encryptionKeys().get(0), true, CraftedPgp.literal(original));
        // The same construction with an MDC decrypts: the missing integrity protection is what fails.
        try (DecryptionResult result = new MessageDecryptor(LIMITS, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(PgpMime.wrap(OUTER_HEADER, withMdc)), bob.keys())) {
            assertThat(result.integrity()).isEqualTo(Integrity.MDC);
        }

        assertFailsClosed(PgpMime.wrap(OUTER_HEADER, armored), bob.keys());
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void wrongKey(Format format) throws Exception {
        assertFailsClosed(bob.encrypt(original, format), carol.keys());
    }

    // ---------------------------------------------------------------- SEIPD v2 (AEAD) chunks

    /** Edits the body of the SEIPD v2 packet of a message to Dana, keeping the packet framing valid. */
    private static byte[] editSeipdV2(UnaryOperator<byte[]> edit) throws Exception {
        assertThat(((RecipientKey.Pgp) dana.recipient(Format.PGP_MIME)).seipdV2()).isTrue();
        return editPgp(dana.encrypt(original, Format.PGP_MIME), binary -> {
            List<OpenPgpPackets.Packet> packets = new ArrayList<>(OpenPgpPackets.split(binary));
            OpenPgpPackets.Packet seipd = packets.remove(packets.size() - 1);
            assertThat(seipd.tag()).isEqualTo(18);
            assertThat(Arrays.copyOf(seipd.body(), 4)).containsExactly(2, 9, 2, 12); // v2, AES-256, OCB, 2^18
            packets.add(new OpenPgpPackets.Packet(18, edit.apply(seipd.body())));
            return OpenPgpPackets.join(packets);
        });
    }

    private static byte[] concat(byte[]... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] piece : pieces) {
            out.writeBytes(piece);
        }
        return out.toByteArray();
    }

    @Test
    void seipdV2UntouchedButReframedDecrypts() throws Exception {
        byte[] message = editSeipdV2(UnaryOperator.identity());

        try (DecryptionResult result = new MessageDecryptor(LIMITS, DecryptionOptions.DEFAULTS)
                .decrypt(new ByteArrayInputStream(message), dana.keys())) {
            assertThat(result.integrity()).isEqualTo(Integrity.AEAD);
            assertThat(result.message().toByteArray()).isEqualTo(original);
        }
    }

    @Test
    void seipdV2FlippedByteInTheFirstChunk() throws Exception {
        assertFailsClosed(editSeipdV2(body -> {
            byte[] copy = body.clone();
            copy[V2_PREFIX + 1000] ^= 0x01;
            return copy;
        }), dana.keys());
    }

    @Test
    void seipdV2WithoutTheFinalTag() throws Exception {
        assertFailsClosed(editSeipdV2(body -> Arrays.copyOf(body, body.length - TAG)), dana.keys());
    }

    @Test
    void seipdV2WithTheLastChunksDropped() throws Exception {
        // The first chunk with its tag, then the final tag: every tag present, but the final tag covers the length.
        assertFailsClosed(editSeipdV2(body -> concat(
                Arrays.copyOf(body, V2_PREFIX + V2_CHUNK + TAG),
                Arrays.copyOfRange(body, body.length - TAG, body.length))), dana.keys());
    }

    @Test
    void seipdV2TruncatedAtAChunkBoundary() throws Exception {
        assertFailsClosed(editSeipdV2(body -> Arrays.copyOf(body, V2_PREFIX + V2_CHUNK + TAG)), dana.keys());
    }

    @Test
    void seipdV2ChunksSwapped() throws Exception {
        assertFailsClosed(editSeipdV2(body -> {
            int chunk = V2_CHUNK + TAG;
            return concat(Arrays.copyOf(body, V2_PREFIX),
                    Arrays.copyOfRange(body, V2_PREFIX + chunk, V2_PREFIX + 2 * chunk),
                    Arrays.copyOfRange(body, V2_PREFIX, V2_PREFIX + chunk),
                    Arrays.copyOfRange(body, V2_PREFIX + 2 * chunk, body.length));
        }), dana.keys());
    }
}
