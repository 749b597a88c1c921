package org.mailseal.crypto.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.openpgp.PGPUtil;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.GnuPg;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.OpenPgpPackets;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;

/**
 * Key rollover's primitive, checked by GnuPG: after re-wrapping to a new key, gpg with the new key decrypts the
 * message, gpg with the old key cannot, and the encrypted data packet is the original's byte for byte.
 */
class RewrapInteropTest {
    private static final String USER = "bob@example.org";

    @TempDir
    static Path oldDir;
    @TempDir
    static Path newDir;
    static TestUser oldBob;
    static TestUser newBob;
    @AutoClose
    static GnuPg withOldKey;
    @AutoClose
    static GnuPg withNewKey;
    /** A second cv25519 key: from newBob to it the session-key packets keep their length, so the message is spliced. */
    @TempDir
    static Path thirdDir;
    static TestUser thirdBob;
    @AutoClose
    static GnuPg withThirdKey;

    @BeforeAll
    static void keys() throws Exception {
        oldBob = TestUser.create(oldDir, USER, Format.PGP_MIME, KeyAlgorithm.RSA3072);
        newBob = TestUser.create(newDir, USER, Format.PGP_MIME, KeyAlgorithm.CV25519);
        withOldKey = GnuPg.start();
        withNewKey = GnuPg.start();
        withOldKey.importSecretKey(oldBob);
        withNewKey.importSecretKey(newBob);
        thirdBob = TestUser.create(thirdDir, USER, Format.PGP_MIME, KeyAlgorithm.CV25519);
        withThirdKey = GnuPg.start();
        withThirdKey.importSecretKey(thirdBob);
    }

    /**
     * A spliced message (only the first armor lines and the checksum written anew): GnuPG reads the armor, which it
     * checks against the CRC-24 line, and decrypts it with the new key only.
     */
    @Test
    void gpgReadsASplicedMessageAndItsChecksum() throws Exception {
        for (int size : new int[] {200_000, 200_001, 200_002, 1000}) {
            byte[] original = Messages.withAttachment("Splice", new byte[size]);
            byte[] encrypted = newBob.encrypt(original, Format.PGP_MIME);
            ByteArrayOutputStream rewrapped = new ByteArrayOutputStream();
            new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted),
                    newBob.keys(), List.of(thirdBob.recipient(Format.PGP_MIME)), rewrapped);
            byte[] after = PgpMime.armoredMessage(rewrapped.toByteArray());

            ExternalCommand.Result third = withThirdKey.decrypt(after, TestKeys.PASSWORD);
            assertThat(third.exitCode()).as(third.stderrText()).isZero();
            assertThat(third.stderrText()).contains("[GNUPG:] GOODMDC").doesNotContain("CRC error");
            assertThat(withNewKey.decrypt(after, TestKeys.PASSWORD).exitCode()).isNotZero();
            assertThat(seipdBody(after)).isEqualTo(seipdBody(PgpMime.armoredMessage(encrypted)));
        }
    }

    @Test
    void gpgReadsTheRewrappedMessageWithTheNewKeyOnly() throws Exception {
        byte[] original = Messages.withAttachment("Rollover", new byte[200_000]);
        byte[] encrypted = oldBob.encrypt(original, Format.PGP_MIME);
        ByteArrayOutputStream rewrapped = new ByteArrayOutputStream();
        new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted),
                oldBob.keys(), List.of(newBob.recipient(Format.PGP_MIME)), rewrapped);

        byte[] before = PgpMime.armoredMessage(encrypted);
        byte[] after = PgpMime.armoredMessage(rewrapped.toByteArray());
        assertThat(withOldKey.decrypt(before, TestKeys.PASSWORD).exitCode()).as("sanity: the old key opens the original").isZero();

        ExternalCommand.Result newKey = withNewKey.decrypt(after, TestKeys.PASSWORD);
        assertThat(newKey.exitCode()).as(newKey.stderrText()).isZero();
        assertThat(newKey.stderrText()).contains("[GNUPG:] GOODMDC");
        assertThat(new String(newKey.stdout(), StandardCharsets.UTF_8)).contains("Subject: Rollover").contains("data.bin");

        ExternalCommand.Result oldKey = withOldKey.decrypt(after, TestKeys.PASSWORD);
        assertThat(oldKey.exitCode()).isNotZero();
        assertThat(oldKey.stderrText()).contains("[GNUPG:] NO_SECKEY").doesNotContain("DECRYPTION_OKAY");

        assertThat(seipdBody(after)).isEqualTo(seipdBody(before)).hasSizeGreaterThan(200_000);
    }

    /** The body of the SEIPD packet (tag 18) of an armored message. */
    private static byte[] seipdBody(byte[] armored) throws Exception {
        byte[] binary = PGPUtil.getDecoderStream(new ByteArrayInputStream(armored)).readAllBytes();
        return OpenPgpPackets.split(binary).stream().filter(p -> p.tag() == 18).findFirst().orElseThrow().body();
    }
}
