package org.mailseal.imap.sync;

import java.util.Set;
import java.util.SortedMap;

/**
 * What changed in a mailbox since a mod-sequence.
 *
 * @param changed       new messages and messages whose flags changed, by UID
 * @param vanished      UIDs expunged since then
 */
public record StoreChanges(SortedMap<Long, MessageInfo> changed, Set<Long> vanished) {}
