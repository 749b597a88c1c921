package org.mailseal.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.testing.Messages;

/** What `mailseal rekey` needs from the key home and the re-wrapper: retired fingerprints, a stable bulk digest. */
class RekeyKeysTest {
    private static final String BOB = "bob@example.org";
    private static final char[] PASS = "pass".toCharArray();

    @TempDir
    Path dir;

    @Test
    void retiredFingerprintsAndBulkDigestSurviveRewrap() throws Exception {
        FileKeyHome home = FileKeyHome.open(dir);
        home.generate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, PASS);
        home.generate(BOB, Format.SMIME, KeyAlgorithm.RSA3072, PASS);
        assertThat(home.retiredFingerprints()).isEmpty();
        byte[] message = Messages.simple("s", "body\r\n");
        List<byte[]> encrypted = new java.util.ArrayList<>();
        for (RecipientKey key : home.encryptionKeys(BOB)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new MessageEncryptor().encrypt(new ByteArrayInputStream(message), out, List.of(key));
            encrypted.add(out.toByteArray());
        }
        List<String> old = home.encryptionKeys(BOB).stream().map(RecipientKey::fingerprint).toList();
        home.rotate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, PASS);
        home.rotate(BOB, Format.SMIME, KeyAlgorithm.RSA3072, PASS);
        assertThat(home.retiredFingerprints()).containsExactlyInAnyOrderElementsOf(old);

        List<UnlockedKey> retired = home.unlock(BOB, PASS).stream()
                .filter(k -> home.retiredFingerprints().contains(k.fingerprint())).toList();
        assertThat(retired).hasSize(2);
        SessionKeyRewrapper rewrapper = new SessionKeyRewrapper();
        for (byte[] before : encrypted) {
            Format format = new String(before, java.nio.charset.StandardCharsets.ISO_8859_1).contains("pgp-encrypted")
                    ? Format.PGP_MIME : Format.SMIME;
            ByteArrayOutputStream after = new ByteArrayOutputStream();
            rewrapper.rewrap(new ByteArrayInputStream(before), retired,
                    home.encryptionKeys(BOB).stream().filter(k -> k.format() == format).toList(), after);
            assertThat(after.toByteArray()).isNotEqualTo(before);
            assertThat(rewrapper.bulkDigest(after.toByteArray())).isEqualTo(rewrapper.bulkDigest(before));
        }
        assertThat(rewrapper.bulkDigest(encrypted.get(0))).isNotEqualTo(rewrapper.bulkDigest(encrypted.get(1)));
        assertThatThrownBy(() -> rewrapper.bulkDigest(message)).isInstanceOf(NotEncryptedException.class);
    }
}
