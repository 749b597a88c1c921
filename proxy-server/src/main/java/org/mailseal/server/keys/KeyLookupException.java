package org.mailseal.server.keys;

/**
 * A key source could not answer (down, slow, refusing, or an answer it could not read) and had no earlier answer
 * to serve. Distinct from "no key", which is an empty list: the caller decides by policy whether mail may still
 * flow (opportunistic) or must wait (require). A source may throw it itself to say why it failed (as the Web Key
 * Directory does); {@link CachedKeySource} keeps that reason and names the source as configured.
 */
public final class KeyLookupException extends RuntimeException {
    private final String source;
    private final String reason;

    public KeyLookupException(String source, String reason, Throwable cause) {
        super("key source " + source + " did not answer: " + reason, cause);
        this.source = source;
        this.reason = reason;
    }

    public KeyLookupException(String source, String reason) {
        this(source, reason, null);
    }

    /** The name of the source that failed, as configured ({@code home}, {@code ldap ldaps://...}, {@code wkd}). */
    public String source() {
        return source;
    }

    /** Why, without the source's name: {@code HTTP 503 from example.org}. */
    public String reason() {
        return reason;
    }
}
