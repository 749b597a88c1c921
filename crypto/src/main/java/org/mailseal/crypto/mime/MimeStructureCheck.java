package org.mailseal.crypto.mime;

import java.io.IOException;
import java.io.InputStream;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.io.MaxHeaderLengthLimitException;
import org.apache.james.mime4j.io.MaxHeaderLimitException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.LimitExceededException;

/**
 * Walks a MIME message once and fails if it nests deeper or has more parts than the limits allow. Whatever later
 * parses the message (an IMAP BODYSTRUCTURE, a client) then has bounded work.
 */
public final class MimeStructureCheck {
    private MimeStructureCheck() {}

    static MimeConfig config(CryptoLimits limits) {
        return new MimeConfig.Builder()
                .setMaxHeaderLen(limits.maxHeaderBytes())
                .setMaxHeaderCount(HeaderSection.MAX_FIELDS)
                .setMaxLineLen(-1)
                .setMaxContentLen(limits.maxMessageBytes())
                .build();
    }

    public static void check(InputStream message, CryptoLimits limits) throws IOException {
        MimeTokenStream tokens = new MimeTokenStream(config(limits));
        tokens.parse(message);
        int depth = -1; // the root message's own T_START_MESSAGE brings this to 0: the root is not nested
        int parts = 0;
        try {
            for (EntityState state = tokens.getState(); state != EntityState.T_END_OF_STREAM; state = tokens.next()) {
                switch (state) {
                    case T_START_MULTIPART, T_START_MESSAGE -> {
                        if (++depth > limits.maxMimeDepth()) {
                            throw new LimitExceededException("MIME nesting deeper than " + limits.maxMimeDepth());
                        }
                    }
                    case T_END_MULTIPART, T_END_MESSAGE -> depth--;
                    case T_START_BODYPART -> {
                        if (++parts > limits.maxMimeParts()) {
                            throw new LimitExceededException("more than " + limits.maxMimeParts() + " MIME parts");
                        }
                    }
                    default -> { }
                }
            }
        } catch (MaxHeaderLimitException e) {
            throw new LimitExceededException("more than " + HeaderSection.MAX_FIELDS + " header fields in a MIME part");
        } catch (MaxHeaderLengthLimitException e) {
            throw new LimitExceededException("MIME header field larger than " + limits.maxHeaderBytes() + " bytes");
        } catch (MimeException e) {
            throw new IOException("malformed MIME structure", e);
        }
    }
}
