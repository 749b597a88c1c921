package org.mailseal.crypto.pgp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.io.Base64Text;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.MimeParts;

/** Reads PGP/MIME (RFC 3156 §4): finds the encrypted part of a top-level {@code multipart/encrypted} and opens it. */
public final class PgpMimeReader {
    private PgpMimeReader() {}

    public static MessageDecryptor.Opened decrypt(MimeParts mime, MimeParts.Entity outer,
                                                  Collection<? extends UnlockedKey> keys, CryptoLimits limits,
                                                  SpillBuffer plaintext) throws IOException, DecryptionFailedException {
        Base64Text.Decoded binary = encryptedPayload(mime, outer);
        return PgpDecryption.decrypt(new ByteArrayInputStream(binary.data(), 0, binary.length()), keys, limits, plaintext);
    }

    /**
     * The binary OpenPGP message in the {@code application/octet-stream} part that follows the
     * {@code application/pgp-encrypted} control part. Only the direct children of the top level are looked at.
     */
    static Base64Text.Decoded encryptedPayload(MimeParts mime, MimeParts.Entity outer) throws IOException {
        MimeParts.Entity part = encryptedPart(mime, outer);
        byte[] decoded = mime.transferDecoded(part);
        return decoded == null
                ? ArmorReader.decode(mime.data(), part.bodyStart(), part.end())
                : ArmorReader.decode(decoded, 0, decoded.length);
    }

    /** The encrypted part of a PGP/MIME message. */
    static MimeParts.Entity encryptedPart(MimeParts mime, MimeParts.Entity outer) throws IOException {
        List<MimeParts.Entity> parts = mime.children(outer);
        for (int i = 0; i + 1 < parts.size(); i++) {
            if (parts.get(i).contentType().is("application/pgp-encrypted")
                    && parts.get(i + 1).contentType().is("application/octet-stream")) {
                return parts.get(i + 1);
            }
        }
        throw new IOException("PGP/MIME message without an encrypted part");
    }
}
