package org.mailseal.imap.search;

/**
 * A SEARCH CHARSET other than US-ASCII and UTF-8. The session answers {@code NO [BADCHARSET (US-ASCII UTF-8)]}
 * (RFC 3501 §6.4.4, §7.1); the charset name is not echoed.
 */
public final class BadCharsetException extends RuntimeException {
    /** The response code the session sends, listing what is supported. */
    public static final String RESPONSE_CODE = "BADCHARSET (US-ASCII UTF-8)";

    public BadCharsetException() {
        super("unsupported charset", null, false, false);
    }
}
