package org.mailseal.imap.client;

import java.io.IOException;

/** The server refused a command (NO/BAD), broke the protocol, or exceeded a bound. The text never holds secrets. */
public class ImapClientException extends IOException {
    public ImapClientException(String message) {
        super(message);
    }

    public ImapClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
