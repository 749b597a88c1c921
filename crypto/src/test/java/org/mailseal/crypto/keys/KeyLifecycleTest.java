package org.mailseal.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.testing.Messages;

/** Passphrase changes and key rotation in the key home: no message changes, and old mail still opens. */
class KeyLifecycleTest {
    private static final String BOB = "bob@example.org";
    private static final char[] OLD = "old pass".toCharArray();
    private static final char[] NEW = "new pass".toCharArray();

    @TempDir
    Path dir;

    private static byte[] encrypt(FileKeyHome home, byte[] message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(message), out, home.encryptionKeys(BOB));
        return out.toByteArray();
    }

    private static byte[] decrypt(List<UnlockedKey> keys, byte[] encrypted) throws Exception {
        try (DecryptionResult result = new MessageDecryptor().decrypt(new ByteArrayInputStream(encrypted), keys)) {
            return result.message().toByteArray();
        }
    }

    private Map<Path, byte[]> files(String suffix) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(f -> f.toString().endsWith(suffix)).collect(Collectors.toMap(f -> f, f -> {
                try {
                    return Files.readAllBytes(f);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    @Test
    void aNewPassphraseOpensTheSameKeysAndTheOldOneNoLonger() throws Exception {
        FileKeyHome home = FileKeyHome.open(dir);
        home.generate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, OLD);
        home.generate(BOB, Format.SMIME, KeyAlgorithm.RSA3072, OLD);
        byte[] message = Messages.simple("before", "Sent before the change.\r\n");
        ByteArrayOutputStream pgp = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(message), pgp,
                List.of(home.encryptionKeys(BOB).stream().filter(k -> k.format() == Format.PGP_MIME).findFirst().orElseThrow()));
        ByteArrayOutputStream smime = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(message), smime,
                List.of(home.encryptionKeys(BOB).stream().filter(k -> k.format() == Format.SMIME).findFirst().orElseThrow()));
        Map<Path, byte[]> publicBefore = files(".pub.asc");
        publicBefore.putAll(files(".crt.pem"));

        assertThatThrownBy(() -> home.changePassphrase(BOB, "wrong".toCharArray(), NEW))
                .isInstanceOf(KeyUnlockException.class).hasMessageContaining("wrong passphrase");
        assertThat(home.changePassphrase(BOB, OLD, NEW)).hasSize(2);

        assertThatThrownBy(() -> home.unlock(BOB, OLD)).isInstanceOf(KeyUnlockException.class);
        List<UnlockedKey> keys = home.unlock(BOB, NEW);
        assertThat(keys).hasSize(2);
        assertThat(decrypt(keys, pgp.toByteArray())).isEqualTo(message);
        assertThat(decrypt(keys, smime.toByteArray())).isEqualTo(message);
        Map<Path, byte[]> publicAfter = files(".pub.asc");
        publicAfter.putAll(files(".crt.pem"));
        assertThat(publicAfter).hasSameSizeAs(publicBefore);
        publicBefore.forEach((file, bytes) -> assertThat(publicAfter.get(file)).as(file.toString()).isEqualTo(bytes));
        assertThat(files(".sec.asc").values()).allSatisfy(secret ->
                assertThat(new String(secret)).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
    }

    @Test
    void rotationEncryptsToTheNewKeyAndTheRetiredOneStillDecrypts() throws Exception {
        FileKeyHome home = FileKeyHome.open(dir);
        KeyInfo first = home.generate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, OLD);
        byte[] before = Messages.simple("before", "To the first key.\r\n");
        byte[] toFirst = encrypt(home, before);
        List<UnlockedKey> firstOnly = home.unlock(BOB, OLD);

        assertThatThrownBy(() -> home.rotate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, "wrong".toCharArray()))
                .isInstanceOf(KeyUnlockException.class);
        assertThat(home.list()).hasSize(1); // nothing generated
        assertThatThrownBy(() -> home.rotate(BOB, Format.SMIME, KeyAlgorithm.RSA3072, OLD))
                .isInstanceOf(KeyUnlockException.class).hasMessageContaining("no current S/MIME private key");

        KeyInfo second = home.rotate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, OLD);
        assertThat(second.fingerprint()).isNotEqualTo(first.fingerprint());
        assertThat(home.encryptionKeys(BOB)).extracting(RecipientKey::fingerprint).containsExactly(second.fingerprint());
        assertThat(home.list()).extracting(KeyInfo::fingerprint, KeyInfo::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(first.fingerprint(), "retired"),
                org.assertj.core.groups.Tuple.tuple(second.fingerprint(), "valid"));

        byte[] after = Messages.simple("after", "To the second key.\r\n");
        byte[] toSecond = encrypt(home, after);
        assertThatThrownBy(() -> decrypt(firstOnly, toSecond)).isInstanceOf(DecryptionFailedException.class);
        List<UnlockedKey> both = home.unlock(BOB, OLD);
        assertThat(both).hasSize(2);
        assertThat(decrypt(both, toFirst)).isEqualTo(before);
        assertThat(decrypt(both, toSecond)).isEqualTo(after);
        // A passphrase change covers the retired key too.
        assertThat(home.changePassphrase(BOB, OLD, NEW)).hasSize(2);
        assertThat(decrypt(home.unlock(BOB, NEW), toFirst)).isEqualTo(before);

        // Purged: the retired key is gone, its mail no longer opens, the current key is untouched.
        assertThat(home.retired(BOB)).extracting(KeyInfo::fingerprint).containsExactly(first.fingerprint());
        assertThat(home.purgeRetired(BOB)).extracting(KeyInfo::fingerprint).containsExactly(first.fingerprint());
        assertThat(home.retired(BOB)).isEmpty();
        assertThat(home.list()).extracting(KeyInfo::fingerprint).containsExactly(second.fingerprint());
        assertThat(home.unlock(BOB, NEW)).hasSize(1);
        assertThatThrownBy(() -> decrypt(home.unlock(BOB, NEW), toFirst)).isInstanceOf(DecryptionFailedException.class);
        assertThat(decrypt(home.unlock(BOB, NEW), toSecond)).isEqualTo(after);
        try (Stream<Path> files = Files.list(dir.resolve("openpgp"))) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.startsWith(first.fingerprint()));
        }
    }

    @Test
    void rotationCanMoveToAKeyMadeElsewhereIfTheSamePassphraseOpensIt() throws Exception {
        FileKeyHome home = FileKeyHome.open(dir.resolve("home"));
        KeyInfo first = home.generate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, OLD);
        FileKeyHome elsewhere = FileKeyHome.open(dir.resolve("elsewhere"));
        KeyInfo made = elsewhere.generate(BOB, Format.PGP_MIME, KeyAlgorithm.RSA3072, OLD);
        byte[] secret = elsewhere.exportSecret(BOB, Format.PGP_MIME);
        FileKeyHome other = FileKeyHome.open(dir.resolve("other"));
        other.generate(BOB, Format.PGP_MIME, KeyAlgorithm.CV25519, NEW);
        byte[] wrongPassphrase = other.exportSecret(BOB, Format.PGP_MIME);

        assertThatThrownBy(() -> home.rotateTo(BOB, Format.PGP_MIME, wrongPassphrase, OLD))
                .isInstanceOf(KeyUnlockException.class);
        assertThat(home.list()).extracting(KeyInfo::fingerprint).containsExactly(first.fingerprint()); // not stored

        KeyInfo fresh = home.rotateTo(BOB, Format.PGP_MIME, secret, OLD);
        assertThat(fresh.fingerprint()).isEqualTo(made.fingerprint());
        assertThat(home.encryptionKeys(BOB)).extracting(RecipientKey::fingerprint).containsExactly(made.fingerprint());
        assertThat(home.retired(BOB)).extracting(KeyInfo::fingerprint).containsExactly(first.fingerprint());
        assertThat(home.unlock(BOB, OLD)).hasSize(2);
    }
}
