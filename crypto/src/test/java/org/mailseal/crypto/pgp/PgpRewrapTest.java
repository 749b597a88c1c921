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

    @BeforeAll
    static void keys() throws Exception {
        oldBob = TestUser.create(oldDir, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
        newBob = TestUser.create(newDir, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.RSA3072);
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
}
