package org.mailseal.crypto;

import java.io.IOException;

/**
 * A configured bound ({@link CryptoLimits}) was reached. An {@link IOException} so that it passes through the
 * stream layers of Bouncy Castle and mime4j unchanged.
 */
public final class LimitExceededException extends IOException {
    private static final long serialVersionUID = 1L;

    public LimitExceededException(String what) {
        super("limit exceeded: " + what);
    }
}
