package org.mailseal.crypto.pgp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.LimitExceededException;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.HeaderSection;

/** Reads PGP/MIME (RFC 3156 §4): finds the encrypted part of a top-level {@code multipart/encrypted} and opens it. */
public final class PgpMimeReader {
    private PgpMimeReader() {}

    public static MessageDecryptor.Opened decrypt(HeaderSection outer, InputStream body,
                                                  Collection<? extends UnlockedKey> keys, CryptoLimits limits,
                                                  SpillBuffer plaintext) throws IOException, DecryptionFailedException {
        try (InputStream armored = encryptedPart(outer, body, limits)) {
            return PgpDecryption.decrypt(armored, keys, limits, plaintext);
        }
    }

    /**
     * The decoded body of the {@code application/octet-stream} part that follows the
     * {@code application/pgp-encrypted} control part. Only the two direct children are looked at.
     */
    static InputStream encryptedPart(HeaderSection outer, InputStream body, CryptoLimits limits) throws IOException {
        MimeConfig config = new MimeConfig.Builder()
                .setMaxHeaderLen(limits.maxHeaderBytes())
                .setMaxLineLen(-1)
                .setMaxContentLen(limits.maxMessageBytes())
                .build();
        MimeTokenStream tokens = new MimeTokenStream(config);
        tokens.parseHeadless(body, outer.value("Content-Type").orElseThrow());
        int depth = 0;
        int parts = 0;
        boolean sawControl = false;
        try {
            for (EntityState state = tokens.getState(); state != EntityState.T_END_OF_STREAM; state = tokens.next()) {
                switch (state) {
                    case T_START_MULTIPART -> {
                        // mime4j reads nested multiparts through one boundary stream per level, recursively:
                        // unbounded nesting in the wrapper would overflow the stack.
                        if (++depth > limits.maxMimeDepth()) {
                            throw new LimitExceededException("MIME nesting deeper than " + limits.maxMimeDepth());
                        }
                    }
                    case T_END_MULTIPART -> depth--;
                    case T_START_BODYPART -> {
                        if (++parts > limits.maxMimeParts()) {
                            throw new LimitExceededException("more than " + limits.maxMimeParts() + " MIME parts");
                        }
                    }
                    case T_BODY -> {
                        if (depth != 1) {
                            continue;
                        }
                        String type = tokens.getBodyDescriptor().getMimeType();
                        if (type.equalsIgnoreCase("application/pgp-encrypted")) {
                            sawControl = true;
                        } else if (sawControl && type.equalsIgnoreCase("application/octet-stream")) {
                            return tokens.getDecodedInputStream();
                        }
                    }
                    default -> { }
                }
            }
        } catch (MimeException e) {
            throw new IOException("malformed PGP/MIME structure", e);
        }
        throw new IOException("PGP/MIME message without an encrypted part");
    }
}
