package org.mailseal.server.keys;

/**
 * A key source could not answer (network error, timeout, server error, oversized or unreadable answer). Distinct
 * from "no key", which is an empty list: a caller may fall back to an earlier answer instead of caching a miss.
 */
public final class KeySourceException extends RuntimeException {
    private final String source;

    public KeySourceException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
        this.source = source;
    }

    public KeySourceException(String source, String message) {
        this(source, message, null);
    }

    /** The source's name, such as {@code wkd}. */
    public String source() {
        return source;
    }
}
