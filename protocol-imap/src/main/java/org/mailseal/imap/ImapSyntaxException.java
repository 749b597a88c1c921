package org.mailseal.imap;

/** Input that does not follow RFC 3501's syntax; the session answers it with BAD, never with its text. */
public final class ImapSyntaxException extends RuntimeException {
    public ImapSyntaxException(String message) {
        super(message, null, false, false);
    }
}
