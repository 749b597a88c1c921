package org.mailseal.imap.sync;

import java.util.SortedMap;
import org.mailseal.imap.client.UidSet;

/**
 * What changed in a mailbox since a mod-sequence.
 *
 * @param changed       new messages and messages whose flags changed, by UID
 * @param vanished      UIDs expunged since then; a server may also name UIDs that never existed (VANISHED (EARLIER),
 *                      RFC 7162 §3.2.10), so this is a set of ranges to ask {@link UidSet#contains}, never to expand
 */
public record StoreChanges(SortedMap<Long, MessageInfo> changed, UidSet vanished) {}
