package org.mailseal.imap.sync;

import java.util.Set;

/**
 * A copy about to be appended whose content differs from its source's (key translation encrypted or re-wrapped
 * it): recorded before the APPEND, so that a run that dies before recording the copy can find it by its own content
 * key.
 *
 * @param to        the side the copy goes to
 * @param sourceUid the source message's UID on the other side
 * @param flags     the flags it is appended with
 * @param source    the source's content key
 * @param copy      the copy's content key
 */
public record PendingCopy(Side to, long sourceUid, Set<String> flags, ContentKey source, ContentKey copy) {
    public PendingCopy {
        flags = Set.copyOf(flags);
    }
}
