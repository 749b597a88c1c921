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
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.TestUser;

class SmimeRewrapTest {
    @TempDir
    static Path oldDir;
    @TempDir
    static Path newDir;
    /** Bob with his old certificate and, in a separate key home, with the new one that replaces it. */
    static TestUser oldBob;
    static TestUser newBob;

    @BeforeAll
    static void keys() throws Exception {
        oldBob = TestUser.create(oldDir, "bob@example.org", Format.SMIME);
        newBob = TestUser.create(newDir, "bob@example.org", Format.SMIME);
    }

    static byte[] encryptedContent(byte[] message) throws Exception {
        String text = new String(message, StandardCharsets.US_ASCII);
        String base64 = text.substring(text.indexOf("\r\n\r\n") + 4);
        ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(Base64.getMimeDecoder().decode(base64)));
        return AuthEnvelopedData.getInstance(info.getContent()).getAuthEncryptedContentInfo().getEncryptedContent().getOctets();
    }

    @Test
    void isEncryptedToReadsTheRecipientInfos() throws Exception {
        SessionKeyRewrapper rewrapper = new SessionKeyRewrapper();
        byte[] encrypted = oldBob.encrypt(Messages.simple("Ids", "body\r\n"), Format.SMIME);
        ByteArrayOutputStream rewrapped = new ByteArrayOutputStream();
        rewrapper.rewrap(new ByteArrayInputStream(encrypted), oldBob.keys(), List.of(newBob.recipient(Format.SMIME)),
                rewrapped);

        assertThat(rewrapper.isEncryptedTo(encrypted, List.of(oldBob.recipient(Format.SMIME)))).isTrue();
        assertThat(rewrapper.isEncryptedTo(encrypted, List.of(newBob.recipient(Format.SMIME)))).isFalse();
        assertThat(rewrapper.isEncryptedTo(rewrapped.toByteArray(), List.of(newBob.recipient(Format.SMIME)))).isTrue();
        assertThat(rewrapper.isEncryptedTo(rewrapped.toByteArray(), List.of(oldBob.recipient(Format.SMIME)))).isFalse();
    }

    @Test
    void authEnvelopedDataRewrapsWithTheSameEncryptedContent() throws Exception {
        byte[] original = Messages.withAttachment("Rollover", new byte[100_000]);
        byte[] encrypted = oldBob.encrypt(original, Format.SMIME);
        ByteArrayOutputStream rewrapped = new ByteArrayOutputStream();
        new SessionKeyRewrapper().rewrap(new ByteArrayInputStream(encrypted),
                oldBob.keys(), List.of(newBob.recipient(Format.SMIME)), rewrapped);

        assertThat(encryptedContent(rewrapped.toByteArray())).isEqualTo(encryptedContent(encrypted));
        try (DecryptionResult result = newBob.decrypt(rewrapped.toByteArray())) {
            assertThat(result.message().toByteArray()).isEqualTo(original);
        }
        assertThatThrownBy(() -> oldBob.decrypt(rewrapped.toByteArray())).isInstanceOf(DecryptionFailedException.class);
    }
}
