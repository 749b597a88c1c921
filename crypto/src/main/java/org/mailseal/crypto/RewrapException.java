package org.mailseal.crypto;

/** A message cannot be re-wrapped: not ours to open, or a form the re-wrapper does not handle. */
public final class RewrapException extends Exception {
    private static final long serialVersionUID = 1L;

    public RewrapException(String message) {
        super(message);
    }

    public RewrapException(String message, Throwable cause) {
        super(message, cause);
    }
}
