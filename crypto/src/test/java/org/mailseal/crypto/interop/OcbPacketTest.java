package org.mailseal.crypto.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.testing.CraftedPgp;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestKeys;

/**
 * GnuPG 2.3 and later write an AEAD encrypted data packet (tag 20, OCB) for keys that announce AEAD; GnuPG 2.2,
 * the one on this machine, cannot, so Bouncy Castle writes the same packet here. mailseal reads it (and checks
 * its tags), and never writes it.
 */
class OcbPacketTest {
    @TempDir
    static Path dir;
    static FileKeyHome home;
    static PGPPublicKey bob;

    static final String INNER = "Content-Type: text/plain; charset=utf-8\r\nSubject: from GnuPG 2.4\r\n\r\nHallo Bob\r\n";

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir);
        TestKeys.generate(home, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
        bob = ((RecipientKey.Pgp) TestKeys.recipient(home, "bob@example.org", Format.PGP_MIME)).encryptionKeys().get(0);
    }

    private static byte[] message(byte[] armored) {
        return PgpMime.wrap("From: alice@example.org\r\nTo: bob@example.org\r\n", armored);
    }

    @Test
    void readsTheOcbPacket() throws Exception {
        byte[] armored = CraftedPgp.encryptOcbPacket(bob, CraftedPgp.literal(INNER.getBytes(StandardCharsets.UTF_8)));
        try (DecryptionResult result = new MessageDecryptor().decrypt(
                new ByteArrayInputStream(message(armored)), TestKeys.unlock(home, "bob@example.org"))) {
            assertThat(result.integrity()).isEqualTo(Integrity.AEAD);
            assertThat(new String(result.message().toByteArray(), StandardCharsets.UTF_8))
                    .contains("Subject: from GnuPG 2.4\r\n").endsWith("\r\n\r\nHallo Bob\r\n");
        }
    }

    @Test
    void aFlippedByteInTheOcbPacketFails() throws Exception {
        byte[] armored = CraftedPgp.encryptOcbPacket(bob, CraftedPgp.literal(INNER.getBytes(StandardCharsets.UTF_8)));
        byte[] binary = org.bouncycastle.openpgp.PGPUtil.getDecoderStream(new ByteArrayInputStream(armored)).readAllBytes();
        binary[binary.length - 30] ^= 0x01;
        java.io.ByteArrayOutputStream rearmored = new java.io.ByteArrayOutputStream();
        try (var out = org.bouncycastle.bcpg.ArmoredOutputStream.builder().clearHeaders().build(rearmored)) {
            out.write(binary);
        }
        assertThatThrownBy(() -> new MessageDecryptor().decrypt(new ByteArrayInputStream(message(rearmored.toByteArray())),
                TestKeys.unlock(home, "bob@example.org")))
                .isExactlyInstanceOf(DecryptionFailedException.class).hasMessage("decryption failed");
    }
}
