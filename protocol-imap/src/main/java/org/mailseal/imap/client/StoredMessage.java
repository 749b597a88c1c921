package org.mailseal.imap.client;

import java.util.List;

/**
 * One message as the server stores it: UID, flags (without \Recent, which no client may set), INTERNALDATE as the
 * server wrote it (a date-time string APPEND takes back unchanged), RFC822.SIZE and the whole message.
 */
public record StoredMessage(long uid, List<String> flags, String internalDate, long size, byte[] content) {
    public StoredMessage {
        flags = List.copyOf(flags);
    }
}
