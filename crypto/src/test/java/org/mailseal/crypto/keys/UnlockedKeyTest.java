package org.mailseal.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;

class UnlockedKeyTest {
    @TempDir
    Path dir;

    @Test
    void aDroppedKeyCannotDecryptAnyMore() throws Exception {
        TestUser bob = TestUser.create(dir, "bob@example.org", Format.PGP_MIME);
        byte[] encrypted = bob.encrypt(Messages.simple("s", "b\r\n"), Format.PGP_MIME);
        List<UnlockedKey> keys = bob.keys();
        keys.forEach(UnlockedKey::close);

        assertThatThrownBy(() -> ((UnlockedKey.Pgp) keys.get(0)).privateKeys()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> bob.decrypt(encrypted))
                .isInstanceOf(org.mailseal.crypto.DecryptionFailedException.class);
    }

    @Test
    void privateKeysAreStoredProtectedAndOwnerOnly() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        TestKeys.generate(home, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
        TestKeys.generate(home, "bob@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
        assertThatThrownBy(() -> home.unlock("bob@example.org", "wrong".toCharArray()))
                .isInstanceOf(KeyUnlockException.class).hasMessageContaining("wrong passphrase");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> !f.equals(dir)).toList()) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                assertThat(permissions).as(file.toString())
                        .doesNotContain(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
                if (file.toString().endsWith(".sec.asc")) {
                    assertThat(Files.readString(file)).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----");
                }
            }
        }
    }
}
