package org.mailseal.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestKeys;

class UnlockedKeyTest {
    @TempDir
    Path dir;

    @Test
    void aDroppedKeyCannotDecryptAnyMore() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        TestKeys.generate(home, "bob@example.org", Format.PGP_MIME, KeyAlgorithm.CV25519);
        ByteArrayOutputStream encrypted = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(Messages.simple("s", "b\r\n")), encrypted,
                List.of(TestKeys.recipient(home, "bob@example.org", Format.PGP_MIME)));
        List<UnlockedKey> keys = TestKeys.unlock(home, "bob@example.org");
        keys.forEach(UnlockedKey::close);

        assertThatThrownBy(() -> ((UnlockedKey.Pgp) keys.get(0)).privateKeys()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new MessageDecryptor().decrypt(new ByteArrayInputStream(encrypted.toByteArray()), keys))
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
