package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mailseal.imap.client.AppendedMessage;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.SelectedMailbox;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;

/**
 * The first slice of the sync engine: for one mailbox pair and one direction, copies the messages of the source
 * that the state does not know to the destination, with their flags and INTERNALDATE, and records each pair.
 *
 * <p>Order of every copy: look for the message on the destination by content key, else APPEND, fetch it back and
 * compare SHA-256 (and flags and internal date), then record the pair in one state transaction. A crash after the
 * APPEND and before the record therefore leaves an unrecorded copy on the destination, which the next run finds
 * by its content key (Message-ID search, then SHA-256; without a Message-ID, SHA-256 of the destination's
 * messages the state does not know) and records instead of appending again.
 *
 * <p>Never deletes anything, not even a copy that failed verification (the run stops with an exception; that copy
 * stays unrecorded and is not matched later because its SHA-256 differs). Flag merges, expunges and UIDVALIDITY
 * changes are not handled here: a UIDVALIDITY different from the recorded one stops the run.
 *
 * <p>The two clients must be logged in to the two stores; this class selects the mailboxes itself.
 */
public final class MailboxSync {
    private static final String MESSAGE_ID = "Message-ID";

    private final SyncState state;
    private final MailboxPair pair;
    private final Map<Side, ToolImapClient> clients;

    public MailboxSync(SyncState state, MailboxPair pair, ToolImapClient clientA, ToolImapClient clientB) {
        this.state = state;
        this.pair = pair;
        this.clients = Map.of(Side.A, clientA, Side.B, clientB);
    }

    /** Copies what {@code from} holds and the state does not know to the other side. */
    public SyncSummary copyNew(Side from) throws IOException {
        Side to = from.other();
        ToolImapClient source = clients.get(from);
        ToolImapClient destination = clients.get(to);
        SelectedMailbox sourceBox = source.select(pair.mailbox(from));
        SelectedMailbox destinationBox = destination.select(pair.mailbox(to));
        if (!destination.hasCapability("UIDPLUS")) {
            throw new ImapClientException("the server of side " + to + " lacks UIDPLUS (APPENDUID); nothing copied");
        }
        MailboxState known = state.read(pair);
        checkUidValidity(known, from, sourceBox);
        checkUidValidity(known, to, destinationBox);

        Set<Long> knownSource = new HashSet<>();
        Set<Long> knownDestination = new HashSet<>();
        for (MessagePair m : known.messages()) {
            knownSource.add(m.uid(from));
            knownDestination.add(m.uid(to));
        }
        Candidates candidates = new Candidates(destination, knownDestination);
        int copied = 0;
        int present = 0;
        int unchanged = 0;
        for (long uid : source.uidSearch("ALL")) {
            if (knownSource.contains(uid)) {
                unchanged++;
                continue;
            }
            Optional<StoredMessage> fetched = source.fetch(uid);
            if (fetched.isEmpty()) {
                continue; // expunged meanwhile by another client; nothing to copy
            }
            StoredMessage message = fetched.get();
            ContentKey key = contentKey(message.content());
            Optional<StoredMessage> match = candidates.find(key);
            long destinationUid;
            Set<String> flags;
            if (match.isPresent()) {
                destinationUid = match.get().uid();
                // Only the flags both sides hold are a common base; a side's extra flags count as its changes.
                flags = new HashSet<>(message.flags());
                flags.retainAll(match.get().flags());
                present++;
            } else {
                destinationUid = appendVerified(destination, destinationBox, message);
                flags = new HashSet<>(message.flags());
                copied++;
            }
            candidates.claim(destinationUid);
            MessagePair record = from == Side.A ? new MessagePair(uid, destinationUid, flags, key)
                    : new MessagePair(destinationUid, uid, flags, key);
            state.inTransaction(() -> state.recordPair(pair, record));
        }
        return new SyncSummary(copied, present, unchanged);
    }

    private void checkUidValidity(MailboxState known, Side side, SelectedMailbox box) throws ImapClientException {
        long recorded = known.side(side).uidValidity();
        if (recorded == 0) {
            state.recordSide(pair, side, new SideState(box.uidValidity(), 0));
        } else if (recorded != box.uidValidity()) {
            throw new ImapClientException("UIDVALIDITY of " + box.name() + " on side " + side + " changed from "
                    + recorded + " to " + box.uidValidity() + "; re-matching is not implemented yet, nothing copied");
        }
    }

    private static long appendVerified(ToolImapClient destination, SelectedMailbox box, StoredMessage original)
            throws IOException {
        AppendedMessage appended = destination.append(box.name(), original.flags(), original.internalDate(),
                        original.content())
                .orElseThrow(() -> new ImapClientException("APPEND to " + box.name() + " gave no APPENDUID"));
        if (appended.uidValidity() != box.uidValidity()) {
            throw new ImapClientException("UIDVALIDITY of " + box.name() + " changed during the run; rerun");
        }
        Optional<StoredMessage> back = destination.fetch(appended.uid());
        String problem = back.isEmpty() ? "is missing"
                : !MessageDigest.isEqual(sha256(back.get().content()), sha256(original.content())) ? "differs in content"
                : !new HashSet<>(back.get().flags()).equals(new HashSet<>(original.flags())) ? "differs in flags"
                : !back.get().internalDate().equals(original.internalDate()) ? "differs in internal date"
                : null;
        if (problem != null) {
            throw new ImapClientException("the copy of UID " + original.uid() + " appended to " + box.name()
                    + " as UID " + appended.uid() + " " + problem + " when fetched back; it is not recorded");
        }
        return appended.uid();
    }

    /** Messages of the destination that may be an unrecorded copy: the state does not know them, no pair took them. */
    private static final class Candidates {
        private final ToolImapClient destination;
        private final Set<Long> taken;
        private final Map<Long, StoredMessage> fetched = new HashMap<>();
        private Set<Long> unknown;

        Candidates(ToolImapClient destination, Set<Long> known) {
            this.destination = destination;
            this.taken = new HashSet<>(known);
        }

        Optional<StoredMessage> find(ContentKey key) throws IOException {
            List<Long> uids = key.messageId() != null
                    ? destination.uidSearchHeader(MESSAGE_ID, key.messageId()) : List.copyOf(unknown());
            for (long uid : uids) {
                if (taken.contains(uid)) {
                    continue;
                }
                StoredMessage m = fetch(uid);
                if (m != null && hex(sha256(m.content())).equals(key.sha256())) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }

        void claim(long uid) {
            taken.add(uid);
            fetched.remove(uid);
            if (unknown != null) {
                unknown.remove(uid);
            }
        }

        private Set<Long> unknown() throws IOException {
            if (unknown == null) {
                unknown = new LinkedHashSet<>(destination.uidSearch("ALL"));
                unknown.removeAll(taken);
            }
            return unknown;
        }

        private StoredMessage fetch(long uid) throws IOException {
            if (!fetched.containsKey(uid)) {
                fetched.put(uid, destination.fetch(uid).orElse(null));
            }
            return fetched.get(uid);
        }
    }

    /** The content key of a message: its Message-ID header (if any, printable ASCII) and its SHA-256. */
    static ContentKey contentKey(byte[] content) {
        return new ContentKey(messageId(content), hex(sha256(content)));
    }

    /** The unfolded value of the first Message-ID header, or null when absent, empty or not printable ASCII. */
    static String messageId(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            end = text.indexOf("\n\n");
        }
        String header = end < 0 ? text : text.substring(0, end);
        String[] lines = header.replaceAll("\r?\n(?=[ \t])", "").split("\r?\n");
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(MESSAGE_ID)) {
                String value = line.substring(colon + 1).replace('\t', ' ').strip();
                return value.matches("[\\x20-\\x7e]+") ? value : null;
            }
        }
        return null;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
