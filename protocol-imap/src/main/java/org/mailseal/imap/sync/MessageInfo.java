package org.mailseal.imap.sync;

import java.util.Set;

/** A message's UID, flags (without \Recent) and RFC822.SIZE, as a scan reports them. */
public record MessageInfo(long uid, Set<String> flags, long size) {
    public MessageInfo {
        flags = Set.copyOf(flags);
    }
}
