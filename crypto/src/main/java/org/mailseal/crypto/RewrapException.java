package org.mailseal.crypto;

/** A message cannot be re-wrapped: not ours to open, or a form the re-wrapper does not handle. */
public final class RewrapException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean noKeyOpens;

    public RewrapException(String message) {
        this(message, null);
    }

    public RewrapException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private RewrapException(String message, Throwable cause, boolean noKeyOpens) {
        super(message, cause);
        this.noKeyOpens = noKeyOpens;
    }

    /** None of the old keys opens the message: it is encrypted, but not to them (not an error for a rekey). */
    public static RewrapException noKeyOpens(Throwable cause) {
        return new RewrapException("none of the old keys opens this message", cause, true);
    }

    public boolean noKeyOpens() {
        return noKeyOpens;
    }
}
