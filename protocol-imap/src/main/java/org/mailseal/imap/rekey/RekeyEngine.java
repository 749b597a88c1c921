package org.mailseal.imap.rekey;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import org.mailseal.imap.client.AppendedMessage;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.SelectedMailbox;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;
import org.mailseal.imap.rekey.RekeyListener.Outcome;

/**
 * Re-wraps every stored message encrypted to a retired key, one message at a time: rewrap → APPEND to the same
 * mailbox with the same flags and INTERNALDATE → verify (APPENDUID in the same UIDVALIDITY; the new message fetched
 * back has the SHA-256, flags and internal date appended) → UID STORE +FLAGS.SILENT (\Deleted) → UID EXPUNGE of
 * that UID only (RFC 4315). A server without UIDPLUS is refused: without UID EXPUNGE the only way to remove one
 * message is an EXPUNGE of every \Deleted message, which could remove messages another client marked.
 *
 * <p><b>Crash safety.</b> The only state is the mailbox. A mailbox is walked in descending UID order over the UIDs
 * it held when selected. A copy is always appended after its original, so it has a higher UID and is seen first;
 * messages that need nothing are remembered by {@link Rewrapper#bulkDigest} (32 bytes each). When a message that
 * needs re-wrapping has the digest of such a message, an earlier run appended its copy and stopped before the
 * delete: the original is deleted and no second copy is appended. Digests are counted, so genuine duplicates each
 * keep a copy. A copy marked \Deleted pairs only with an original also marked \Deleted (the user's flag carried
 * over), so a copy removed after a failed verification is never taken for a good one. Interrupted anywhere, the
 * mailbox holds the original, or both (paired on rerun), or the copy alone: never neither, never two copies. This
 * does not depend on Message-ID.
 */
public final class RekeyEngine {
    private static final String DELETED = "\\Deleted";

    private final ToolImapClient client;
    private final Rewrapper rewrapper;
    private final RekeyListener listener;
    private final boolean dryRun;
    private final EnumMap<Outcome, Long> counts = new EnumMap<>(Outcome.class);
    private long bytes;

    public RekeyEngine(ToolImapClient client, Rewrapper rewrapper, RekeyListener listener, boolean dryRun) {
        this.client = client;
        this.rewrapper = rewrapper;
        this.listener = listener;
        this.dryRun = dryRun;
    }

    /** Rekeys the given mailboxes, or every selectable one when the list is empty. */
    public RekeySummary run(List<String> mailboxes) throws IOException {
        if (!dryRun && !client.hasCapability("UIDPLUS")) {
            throw new ImapClientException("the server lacks UIDPLUS (RFC 4315); rekey needs UID EXPUNGE to delete "
                    + "exactly one message, and refuses to EXPUNGE messages other clients marked \\Deleted");
        }
        List<String> names = mailboxes.isEmpty() ? client.list() : mailboxes;
        Map<String, SortedMap<Long, Long>> plan = new HashMap<>();
        long total = 0;
        long totalBytes = 0;
        for (String name : names) {
            SelectedMailbox box = client.select(name);
            SortedMap<Long, Long> sizes = box.exists() == 0 ? new java.util.TreeMap<>() : client.sizes();
            plan.put(name, sizes);
            total += sizes.size();
            totalBytes += sizes.values().stream().mapToLong(Long::longValue).sum();
        }
        listener.planned(total, totalBytes);
        for (String name : names) {
            rekeyMailbox(name);
        }
        return RekeySummary.of(counts, bytes);
    }

    private void rekeyMailbox(String name) throws IOException {
        SelectedMailbox box = client.select(name);
        List<Long> uids = box.exists() == 0 ? List.of() : new ArrayList<>(client.sizes().keySet());
        listener.mailbox(name, uids.size());
        Map<Digest, ArrayDeque<Copy>> copies = new HashMap<>();
        for (int i = uids.size() - 1; i >= 0; i--) {
            Optional<StoredMessage> fetched = client.fetch(uids.get(i));
            if (fetched.isEmpty()) {
                continue; // expunged meanwhile by another client
            }
            StoredMessage message = fetched.get();
            bytes += message.content().length;
            Optional<byte[]> rewrapped;
            try {
                rewrapped = rewrapper.rewrap(message.content());
            } catch (Rewrapper.RewrapFailedException e) {
                record(name, message, Outcome.FAILED, e.getMessage());
                continue;
            }
            Optional<Digest> digest = rewrapper.bulkDigest(message.content()).map(Digest::new);
            if (rewrapped.isEmpty()) {
                digest.ifPresent(d -> copies.computeIfAbsent(d, k -> new ArrayDeque<>())
                        .add(new Copy(message.uid(), hasDeleted(message.flags()))));
                record(name, message, Outcome.UNCHANGED, null);
                continue;
            }
            Copy copy = digest.map(d -> takeCopy(copies.get(d), hasDeleted(message.flags()))).orElse(null);
            if (copy != null) {
                if (!dryRun) {
                    delete(message.uid());
                }
                record(name, message, dryRun ? Outcome.WOULD_COMPLETE : Outcome.COMPLETED, null);
                continue;
            }
            if (dryRun) {
                record(name, message, Outcome.WOULD_REKEY, null);
                continue;
            }
            long newUid = appendVerified(box, message, rewrapped.get());
            listener.appended(name, message.uid(), newUid);
            delete(message.uid());
            record(name, message, Outcome.REKEYED, null);
        }
    }

    /** The first remembered copy usable for an original: a \Deleted copy only for a \Deleted original. */
    private static Copy takeCopy(ArrayDeque<Copy> candidates, boolean originalDeleted) {
        if (candidates == null) {
            return null;
        }
        for (var it = candidates.iterator(); it.hasNext(); ) {
            Copy c = it.next();
            if (!c.deleted() || originalDeleted) {
                it.remove();
                return c;
            }
        }
        return null;
    }

    private long appendVerified(SelectedMailbox box, StoredMessage original, byte[] rewrapped) throws IOException {
        AppendedMessage appended = client.append(box.name(), original.flags(), original.internalDate(), rewrapped)
                .orElseThrow(() -> new ImapClientException("APPEND gave no APPENDUID; the old message is kept"));
        if (appended.uidValidity() != box.uidValidity()) {
            throw new ImapClientException("UIDVALIDITY of " + box.name() + " changed during the run; "
                    + "the old message is kept, rerun to finish");
        }
        Optional<StoredMessage> back = client.fetch(appended.uid());
        String problem = back.isEmpty() ? "is missing"
                : !Arrays.equals(sha256(back.get().content()), sha256(rewrapped)) ? "differs in content"
                : !new HashSet<>(back.get().flags()).equals(new HashSet<>(original.flags())) ? "differs in flags"
                : !back.get().internalDate().equals(original.internalDate()) ? "differs in internal date"
                : null;
        if (problem != null) {
            if (back.isPresent()) {
                delete(appended.uid()); // a bad copy never stays to be paired with the original later
            }
            throw new ImapClientException("the re-wrapped copy of UID " + original.uid() + " in " + box.name() + " "
                    + problem + " when fetched back; the old message is kept");
        }
        return appended.uid();
    }

    private void delete(long uid) throws IOException {
        client.addFlags(uid, List.of(DELETED));
        client.uidExpunge(uid);
    }

    private void record(String mailbox, StoredMessage message, Outcome outcome, String reason) {
        counts.merge(outcome, 1L, Long::sum);
        listener.examined(mailbox, message.uid(), message.content().length, outcome, reason);
    }

    private static boolean hasDeleted(List<String> flags) {
        return flags.stream().anyMatch(DELETED::equalsIgnoreCase);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Copy(long uid, boolean deleted) {}

    /** A byte array as a map key. */
    private record Digest(byte[] value) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Digest d && Arrays.equals(value, d.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }
    }
}
