/**
 * Mailbox sync between two stores (issue 7): the channel configuration model ({@link ChannelConfig}) and the
 * state a sync keeps between runs ({@link SyncState}).
 *
 * <p>The state is what makes sync safe on intermittent links: a three-way flag merge needs the flags last
 * synchronised, expunge propagation needs to know which message on one side is which on the other, and a
 * UIDVALIDITY change needs content keys to re-match messages instead of copying or deleting blindly.
 */
package org.mailseal.imap.sync;
