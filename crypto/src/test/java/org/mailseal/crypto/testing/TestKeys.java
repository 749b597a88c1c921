package org.mailseal.crypto.testing;

import java.nio.file.Path;
import java.util.List;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;

/** Key homes with freshly generated keys, for tests. */
public final class TestKeys {
    public static final String PASSWORD = "correct horse";

    private TestKeys() {}

    public static FileKeyHome home(Path dir) throws Exception {
        return FileKeyHome.open(dir);
    }

    public static void generate(FileKeyHome home, String address, Format format, KeyAlgorithm algorithm) throws Exception {
        home.generate(address, format, algorithm, PASSWORD.toCharArray());
    }

    public static RecipientKey recipient(FileKeyHome home, String address, Format format) {
        return home.encryptionKeys(address).stream().filter(k -> k.format() == format).findFirst().orElseThrow();
    }

    public static List<UnlockedKey> unlock(FileKeyHome home, String address) throws Exception {
        return home.unlock(address, PASSWORD.toCharArray());
    }
}
