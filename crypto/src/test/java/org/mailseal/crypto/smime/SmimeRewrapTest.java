package org.mailseal.crypto.smime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestKeys;

class SmimeRewrapTest {
    @TempDir
    static Path oldDir;
    @TempDir
    static Path newDir;
    static FileKeyHome oldHome;
    static FileKeyHome newHome;

    @BeforeAll
    static void keys() throws Exception {
        oldHome = TestKeys.home(oldDir);
        newHome = TestKeys.home(newDir);
        TestKeys.generate(oldHome, "bob@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
        TestKeys.generate(newHome, "bob@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
    }

    static byte[] encryptedContent(byte[] message) throws Exception {
        String text = new String(message, StandardCharsets.US_ASCII);
        String base64 = text.substring(text.indexOf("\r\n\r\n") + 4);
        ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(Base64.getMimeDecoder().decode(base64)));
        return AuthEnvelopedData.getInstance(info.getContent()).getAuthEncryptedContentInfo().getEncryptedContent().getOctets();
    }

    @Test
    void authEnvelopedDataRewrapsWithTheSameEncryptedContent() throws Exception {
        byte[] original = Messages.withAttachment("Rollover", new byte[100_000]);
        ByteArrayOutputStream encrypted = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(original), encrypted,
                List.of(TestKeys.recipient(oldHome, "bob@example.org", Format.SMIME)));
        ByteArrayOutputStream rewrapped = new ByteArrayOutputStream();
        new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted.toByteArray()),
                TestKeys.unlock(oldHome, "bob@example.org"),
                List.of(TestKeys.recipient(newHome, "bob@example.org", Format.SMIME)), rewrapped);

        assertThat(encryptedContent(rewrapped.toByteArray())).isEqualTo(encryptedContent(encrypted.toByteArray()));
        try (DecryptionResult result = new MessageDecryptor().decrypt(
                new ByteArrayInputStream(rewrapped.toByteArray()), TestKeys.unlock(newHome, "bob@example.org"))) {
            assertThat(result.message().toByteArray()).isEqualTo(original);
        }
        assertThatThrownBy(() -> new MessageDecryptor().decrypt(new ByteArrayInputStream(rewrapped.toByteArray()),
                TestKeys.unlock(oldHome, "bob@example.org"))).isInstanceOf(DecryptionFailedException.class);
    }
}
