package org.mailseal.crypto.pgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.openpgp.PGPUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.RewrapException;
import org.mailseal.crypto.RewrapResult;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestUser;

class PgpRewrapTest {
    @TempDir
    static Path oldDir;
    @TempDir
    static Path newDir;
    /** Bob with his old key and, in a separate key home, with the new key that replaces it. */
    static TestUser oldBob;
    static TestUser newBob;
    @TempDir
    static Path sameDir;
    /** A new key of the old one's algorithm: the session-key packets keep their length and the message is spliced. */
    static TestUser sameAlgorithmBob;

    @BeforeAll
    static void keys() throws Exception {
        oldBob = TestUser.create(oldDir, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
        newBob = TestUser.create(newDir, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.RSA3072);
        sameAlgorithmBob = TestUser.create(sameDir, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
    }

    static byte[] rewrapToNew(byte[] encrypted) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RewrapResult result = new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted),
                oldBob.keys(), List.of(newBob.recipient(Format.PGP_MIME)), out);
        assertThat(result.recipientFingerprints()).hasSize(1);
        return out.toByteArray();
    }

    /** The encrypted data packet (SEIPD) of a PGP/MIME message, as raw bytes. */
    static byte[] dataPacket(byte[] message) throws Exception {
        String text = new String(message, StandardCharsets.US_ASCII);
        String armor = text.substring(text.indexOf("-----BEGIN PGP MESSAGE-----"), text.indexOf("-----END PGP MESSAGE-----") + 25);
        byte[] binary = PGPUtil.getDecoderStream(new ByteArrayInputStream(armor.getBytes(StandardCharsets.US_ASCII))).readAllBytes();
        return Arrays.copyOfRange(binary, PacketSplitter.dataPacketOffset(binary), binary.length);
    }

    /** The PKESK key IDs name the encryption subkey: before a re-wrap the old key's, after it the new key's only. */
    @Test
    void isEncryptedToReadsTheSessionKeyPacketsKeyIds() throws Exception {
        SessionKeyRewrapper rewrapper = new SessionKeyRewrapper();
        byte[] encrypted = oldBob.encrypt(Messages.simple("Ids", "body\r\n"), Format.PGP_MIME);
        byte[] rewrapped = rewrapToNew(encrypted);

        assertThat(rewrapper.isEncryptedTo(encrypted, List.of(oldBob.recipient(Format.PGP_MIME)))).isTrue();
        assertThat(rewrapper.isEncryptedTo(encrypted, List.of(newBob.recipient(Format.PGP_MIME)))).isFalse();
        assertThat(rewrapper.isEncryptedTo(rewrapped, List.of(newBob.recipient(Format.PGP_MIME)))).isTrue();
        assertThat(rewrapper.isEncryptedTo(rewrapped, List.of(oldBob.recipient(Format.PGP_MIME),
                sameAlgorithmBob.recipient(Format.PGP_MIME)))).isFalse();
        assertThat(rewrapper.isEncryptedTo(encrypted, List.of())).isFalse();
    }

    @Test
    void newKeyOpensOldKeyDoesNotAndTheDataPacketIsUnchanged() throws Exception {
        byte[] original = Messages.withAttachment("Rollover", new byte[300_000]);
        byte[] encrypted = oldBob.encrypt(original, Format.PGP_MIME);
        byte[] rewrapped = rewrapToNew(encrypted);

        assertThat(dataPacket(rewrapped)).isEqualTo(dataPacket(encrypted)).hasSizeGreaterThan(300_000);
        try (DecryptionResult result = newBob.decrypt(rewrapped)) {
            assertThat(result.message().toByteArray()).isEqualTo(original);
        }
        assertThatThrownBy(() -> oldBob.decrypt(rewrapped))
                .isInstanceOf(DecryptionFailedException.class);
        // Outside the armored block, the message is what it was.
        String before = new String(encrypted, StandardCharsets.US_ASCII);
        String after = new String(rewrapped, StandardCharsets.US_ASCII);
        assertThat(after.substring(0, after.indexOf("-----BEGIN PGP MESSAGE")))
                .isEqualTo(before.substring(0, before.indexOf("-----BEGIN PGP MESSAGE")));
        assertThat(after.substring(after.indexOf("-----END PGP MESSAGE")))
                .isEqualTo(before.substring(before.indexOf("-----END PGP MESSAGE")));
    }

    @Test
    void aKeyThatDoesNotOpenTheMessageCannotRewrapIt() throws Exception {
        byte[] encrypted = oldBob.encrypt(Messages.simple("x", "y\r\n"), Format.PGP_MIME);
        assertThatThrownBy(() -> new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted),
                newBob.keys(), List.of(newBob.recipient(Format.PGP_MIME)), new ByteArrayOutputStream()))
                .isInstanceOf(RewrapException.class);
    }

    /**
     * cv25519 to cv25519: spliced. Only the first armor lines and the checksum differ from the original; the
     * checksum is the CRC-24 of the new binary; the new key opens it and the old one does not, whatever the message's
     * length modulo 3 (base64 padding) and however short.
     */
    @Test
    void aSameLengthRewrapRewritesOnlyTheFirstLinesAndTheChecksum() throws Exception {
        for (int size : new int[] {0, 1, 2, 3, 50, 5_000, 100_000, 100_001, 100_002}) {
            byte[] original = Messages.withAttachment("Splice " + size, new byte[size]);
            byte[] encrypted = oldBob.encrypt(original, Format.PGP_MIME);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted), oldBob.keys(),
                    List.of(sameAlgorithmBob.recipient(Format.PGP_MIME)), out);
            byte[] rewrapped = out.toByteArray();

            try (DecryptionResult result = sameAlgorithmBob.decrypt(rewrapped)) {
                assertThat(result.message().toByteArray()).as("size %d", size).isEqualTo(original);
            }
            assertThatThrownBy(() -> oldBob.decrypt(rewrapped)).isInstanceOf(DecryptionFailedException.class);
            assertThat(dataPacket(rewrapped)).isEqualTo(dataPacket(encrypted));
            assertThat(rewrapped).hasSameSizeAs(encrypted);
            String before = new String(encrypted, StandardCharsets.US_ASCII);
            String after = new String(rewrapped, StandardCharsets.US_ASCII);
            int checksum = after.lastIndexOf("\r\n=") + 2;
            int firstLines = after.indexOf("-----BEGIN PGP MESSAGE") + 32 + 66 * 4;
            if (size >= 5_000) { // past the first lines, up to the checksum, not a byte changed
                assertThat(after.substring(firstLines, checksum)).isEqualTo(before.substring(firstLines, checksum));
            }
            assertThat(after.substring(checksum + 5)).isEqualTo(before.substring(checksum + 5));
            assertChecksumIsTheCrcOfTheData(after);
            // And it was spliced, not re-armored whole.
            org.mailseal.crypto.mime.MimeParts mime = new org.mailseal.crypto.mime.MimeParts(encrypted, encrypted.length,
                    org.mailseal.crypto.CryptoLimits.DEFAULTS);
            assertThat(PgpRewrap.splice(mime, mime.message(), oldBob.keys(),
                    List.of((org.mailseal.crypto.keys.RecipientKey.Pgp) sameAlgorithmBob.recipient(Format.PGP_MIME))))
                    .as("size %d", size).isNotNull();
        }
        // A line break moved within the armor: the data's length is unchanged, so the splice stays right (the new
        // key opens it, and the checksum is the CRC-24 of the new data). A line break added: the lines no longer
        // line up at the end, so no splice; the general way re-armors the whole message.
        byte[] regular = oldBob.encrypt(Messages.withAttachment("Irregular", new byte[50_000]), Format.PGP_MIME);
        String text = new String(regular, StandardCharsets.US_ASCII);
        int middle = text.indexOf("\r\n", text.indexOf("-----BEGIN PGP MESSAGE") + 20_000);
        String moved = text.substring(0, middle - 5) + "\r\n" + text.substring(middle - 5, middle)
                + text.substring(middle + 2);
        String added = text.substring(0, middle - 5) + "\r\n" + text.substring(middle - 5);
        for (String variant : List.of(moved, added)) {
            byte[] bytes = variant.getBytes(StandardCharsets.US_ASCII);
            org.mailseal.crypto.mime.MimeParts variantMime = new org.mailseal.crypto.mime.MimeParts(bytes, bytes.length,
                    org.mailseal.crypto.CryptoLimits.DEFAULTS);
            assertThat(PgpRewrap.splice(variantMime, variantMime.message(), oldBob.keys(),
                    List.of((org.mailseal.crypto.keys.RecipientKey.Pgp) sameAlgorithmBob.recipient(Format.PGP_MIME))))
                    .as(variant == moved ? "moved" : "added").matches(splice -> (splice != null) == (variant == moved));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(bytes), oldBob.keys(),
                    List.of(sameAlgorithmBob.recipient(Format.PGP_MIME)), out);
            String after = out.toString(StandardCharsets.US_ASCII);
            try (DecryptionResult result = sameAlgorithmBob.decrypt(out.toByteArray())) {
                assertThat(new String(result.message().toByteArray(), StandardCharsets.US_ASCII)).contains("Irregular");
            }
            assertChecksumIsTheCrcOfTheData(after);
        }

        // To a key of another algorithm the packets' length changes: no splice, the general way.
        byte[] encrypted = oldBob.encrypt(Messages.simple("x", "y\r\n"), Format.PGP_MIME);
        org.mailseal.crypto.mime.MimeParts mime = new org.mailseal.crypto.mime.MimeParts(encrypted, encrypted.length,
                org.mailseal.crypto.CryptoLimits.DEFAULTS);
        assertThat(PgpRewrap.splice(mime, mime.message(), oldBob.keys(),
                List.of((org.mailseal.crypto.keys.RecipientKey.Pgp) newBob.recipient(Format.PGP_MIME)))).isNull();
    }

    /** The armor's checksum line is the CRC-24 of the data it armors (RFC 9580 §6.1). */
    private static void assertChecksumIsTheCrcOfTheData(String message) {
        int checksum = message.lastIndexOf("\r\n=") + 2;
        String armor = message.substring(message.indexOf("-----BEGIN PGP MESSAGE"), checksum);
        byte[] binary = java.util.Base64.getMimeDecoder().decode(armor.substring(armor.indexOf("\r\n\r\n") + 4));
        org.bouncycastle.bcpg.CRC24 crc = new org.bouncycastle.bcpg.CRC24();
        for (byte b : binary) {
            crc.update(b);
        }
        int value = crc.getValue();
        assertThat(message.substring(checksum, checksum + 5)).isEqualTo("=" + java.util.Base64.getEncoder()
                .encodeToString(new byte[] {(byte) (value >> 16), (byte) (value >> 8), (byte) value}));
    }
}
