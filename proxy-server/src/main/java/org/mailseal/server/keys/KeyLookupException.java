package org.mailseal.server.keys;

/**
 * A key source could not answer (down, slow, refusing) and had no earlier answer to serve. Distinct from "no key":
 * the caller decides by policy whether mail may still flow (opportunistic) or must wait (require).
 */
public final class KeyLookupException extends RuntimeException {
    private final String source;

    public KeyLookupException(String source, String reason, Throwable cause) {
        super("key source " + source + " did not answer: " + reason, cause);
        this.source = source;
    }

    /** The name of the source that failed, as configured ({@code home}, {@code ldap ldaps://...}). */
    public String source() {
        return source;
    }
}
