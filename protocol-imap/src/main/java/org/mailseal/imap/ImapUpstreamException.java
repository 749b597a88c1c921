package org.mailseal.imap;

/** The upstream IMAP server could not be reached or used; the message stays in mailseal's log, not the client's. */
public final class ImapUpstreamException extends RuntimeException {
    public ImapUpstreamException(String message) {
        super(message, null, false, false);
    }
}
