package org.mailseal.imap.sync;

/** The sync state cannot be opened, read or written; the message says which file and why. */
public class SyncStateException extends RuntimeException {
    public SyncStateException(String message) {
        super(message);
    }

    public SyncStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
