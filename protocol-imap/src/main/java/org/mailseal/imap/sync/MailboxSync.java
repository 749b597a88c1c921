package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.sync.ChannelConfig.Change;

/**
 * One run over one mailbox pair: brings the two mailboxes together as far as the channel's direction and
 * propagation allow, against the state of the last run.
 *
 * <h2>Steps, in order</h2>
 * <ol>
 *   <li><b>UIDVALIDITY.</b> A side whose UIDVALIDITY changed has its UIDs cleared in the state
 *       ({@link SyncState#resetUidValidity}); nothing is forgotten or deleted because of it.</li>
 *   <li><b>Reading each side.</b> In full (UID, FLAGS, RFC822.SIZE of every message) or, when the store has
 *       QRESYNC and the state a HIGHESTMODSEQ for it, incrementally: only what changed since, and what vanished.
 *       A message the incremental read does not mention is where it was, with the flags of the last run.</li>
 *   <li><b>Re-matching</b> after a UIDVALIDITY change: each recorded message gets the UID of a message with the
 *       same content key (Message-ID and content digest) on the reset side. One that finds none is forgotten, so
 *       the other side's copy is copied back: a reset never turns into deletions.</li>
 *   <li><b>Matching new messages</b> present on both sides with the same content key (two mailboxes that were
 *       aligned before their first sync, or a copy whose record a crash lost): recorded, not copied.</li>
 *   <li><b>Flags</b> merge three-way, flag by flag, against the flags of the last run: a flag set or cleared on
 *       one side since then is set or cleared on the other. Two sides cannot disagree on one flag (setting it
 *       means it was clear in the base, clearing it that it was set), so the per-flag merge has no conflicts.</li>
 *   <li><b>Copies</b> of the remaining unknown messages, in batches: fetched, translated for the destination's
 *       key, appended with their flags and INTERNALDATE, verified (each copy where APPENDUID put it, with its
 *       flags; one the server changed on the way in recorded as it holds it) and recorded one transaction per
 *       batch.</li>
 *   <li><b>Expunges</b>, last ({@link #finish}; a channel finishes its pairs only after preparing them all, so a
 *       message moved between folders reaches its new folder before it leaves the old one). A message gone from
 *       one side is expunged from the other, unless its flags changed there since the last run: that is the one
 *       conflict, and the changed message wins; it is kept and copied back. A run that would expunge more than the
 *       channel's share of a mailbox holds those expunges back unless forced (and keeps the side's HIGHESTMODSEQ,
 *       so the next run sees them again). Where expunges do not propagate from a side, a message gone there stays
 *       recorded and stays on the other side.</li>
 * </ol>
 *
 * <h2>Crash safety</h2>
 * Every change to a server comes before the state records it: a crash after an APPEND leaves an unrecorded copy
 * that the next run matches by content key; after a STORE, both sides already agree and the next run records it;
 * after an EXPUNGE, the message is gone on both sides and is forgotten. Each side's HIGHESTMODSEQ is recorded last,
 * as its value when the run selected the mailbox, so the next run reads again all that an interrupted one saw.
 */
public final class MailboxSync {
    private static final String MESSAGE_ID = "Message-ID";
    private static final String DELETED = "\\Deleted";
    /** A copy batch: at most this many messages ... */
    static final int BATCH_MESSAGES = 200;
    /** ... and about this many bytes. */
    static final long BATCH_BYTES = 8L << 20;

    private final SyncState state;
    private final ChannelConfig channel;
    private final MailboxPair pair;
    private final Map<Side, SyncStore> stores;
    private final MessageTranslator translator;
    private final SyncListener listener;

    private final Map<Side, SyncMailbox> selected = new HashMap<>();
    private final Map<Side, View> views = new HashMap<>();
    private int copiedToA;
    private int copiedToB;
    private int matched;
    private int flagged;
    private int expunged;
    private int conflicts;
    private int held;
    private boolean incremental;
    private Set<Side> heldSides = Set.of();
    private final Map<Side, List<Long>> pendingExpunges = new HashMap<>();
    /** Sides holding messages to copy that a FETCH did not return although they exist. */
    private final Set<Side> unreadable = new HashSet<>();

    public MailboxSync(SyncState state, ChannelConfig channel, MailboxPair pair, SyncStore a, SyncStore b,
                       MessageTranslator translator, SyncListener listener) {
        this.state = state;
        this.channel = channel;
        this.pair = pair;
        this.stores = Map.of(Side.A, a, Side.B, b);
        this.translator = translator;
        this.listener = listener;
    }

    /**
     * Runs the steps once.
     *
     * @param force carry out expunges beyond the channel's safety valve
     */
    public PairSummary run(boolean force) throws IOException {
        prepare(force);
        return finish(true);
    }

    /**
     * Every step but the expunges: those come in {@link #finish}, which a channel calls only after every mailbox
     * pair was prepared, so that a message moved between folders is copied to its new folder before it is
     * expunged from its old one (DESIGN.md: copy first, delete after).
     */
    void prepare(boolean force) throws IOException {
        MailboxState before = state.read(pair, List.of(), List.of());
        Set<Side> reset = new HashSet<>();
        selected.putAll(BothSides.run(side -> stores.get(side).select(pair.mailbox(side))));
        for (Side side : Side.values()) {
            SyncMailbox box = selected.get(side);
            long recorded = before.side(side).uidValidity();
            if (recorded == 0) {
                state.recordSide(pair, side, new SideState(box.uidValidity(), 0));
            } else if (recorded != box.uidValidity()) {
                state.resetUidValidity(pair, side, box.uidValidity());
            }
            // From the state, not from this comparison: a run that recorded a reset and died before re-matching
            // leaves messages waiting, and this run re-matches them instead of copying them all again.
            if (state.unmatched(pair, side) > 0) {
                reset.add(side);
            }
        }
        MailboxState sides = state.read(pair, List.of(), List.of());
        // Re-matching reads both sides in full: a message lost on the reset side is copied back from the other.
        boolean rematching = state.unmatched(pair) > 0;
        views.putAll(BothSides.run(side -> read(side, sides.side(side), rematching)));
        incremental = !views.get(Side.A).full && !views.get(Side.B).full;

        if (!reset.isEmpty()) {
            MailboxState known = state.read(pair);
            for (Side side : reset) {
                rematch(side, known);
            }
        }
        resolvePendingCopies();
        if (channel.propagates(Change.NEW)) {
            matchNew(known());
        }
        heldSides = reconcile(known(), force);
        for (Side from : Side.values()) {
            if (channel.propagates(Change.NEW) && channel.flowsFrom(from)) {
                copyUnknown(from, known());
            }
        }
    }

    /**
     * Carries out the expunges {@link #prepare} decided, each side's mailbox selected again unless it still is
     * (and left alone if its UIDVALIDITY changed meanwhile), forgets the expunged messages, and records each side's
     * HIGHESTMODSEQ as it was when prepared; a side whose expunges did not happen keeps the old one, so the next run
     * sees them again.
     *
     * @param stillSelected no other mailbox pair was prepared on these stores since this one
     */
    PairSummary finish(boolean stillSelected) throws IOException {
        Set<Side> unfinished = new HashSet<>(heldSides);
        for (Map.Entry<Side, List<Long>> e : pendingExpunges.entrySet()) {
            Side side = e.getKey();
            if (!stillSelected && stores.get(side).select(pair.mailbox(side)).uidValidity()
                    != selected.get(side).uidValidity()) {
                unfinished.add(side);
                continue;
            }
            // Only what did not change since this run read it: a message changed meanwhile wins (the conflict rule),
            // stays, and is copied back to the side that expunged it, since it is forgotten all the same.
            List<Long> done = stores.get(side).expungeUnchanged(e.getValue(), selected.get(side).highestModSeq());
            expunged += done.size();
            conflicts += e.getValue().size() - done.size();
            state.inTransaction(() -> e.getValue().forEach(uid -> state.forget(pair, side, uid)));
        }
        for (Side side : Side.values()) {
            if (!unfinished.contains(side.other()) && !unreadable.contains(side)) {
                SyncMailbox box = selected.get(side);
                state.recordSide(pair, side, new SideState(box.uidValidity(), box.highestModSeq()));
            }
        }
        PairSummary summary = new PairSummary(pair, copiedToA, copiedToB, matched, flagged, expunged, conflicts, held,
                incremental);
        listener.finished(pair, summary);
        return summary;
    }

    // ---------------------------------------------------------------- reading

    /** The most UIDs an incremental view names before the run reads the whole state instead of those messages. */
    static final int MAX_TOUCHED = 5_000;

    /**
     * What the state knows that this run can act on. After a full read of a side, everything; when both sides were
     * read incrementally, only the recorded messages whose UIDs the views name (changed or vanished): every other
     * recorded message is where it was with the flags of the last run on both sides, so no step would touch it, and
     * reading 10,000 of them would cost more than the rest of such a run.
     */
    private MailboxState known() {
        View a = views.get(Side.A);
        View b = views.get(Side.B);
        if (a.touched == null || b.touched == null) {
            return state.read(pair);
        }
        return state.read(pair, a.touched, b.touched);
    }

    /**
     * What a side holds now. Full: every message. Incremental: only the changed ones, plus the vanished UIDs; a
     * recorded message that is in neither is unchanged.
     */
    private static final class View {
        final boolean full;
        final SortedMap<Long, MessageInfo> seen;
        final LongPredicate vanished;
        /** Incremental: the UIDs seen or vanished; null after a full read, or when they are too many to name. */
        final Set<Long> touched;

        View(boolean full, SortedMap<Long, MessageInfo> seen, LongPredicate vanished, Set<Long> touched) {
            this.full = full;
            this.seen = seen;
            this.vanished = vanished;
            this.touched = touched;
        }

        boolean exists(long uid) {
            return full ? seen.containsKey(uid) : !vanished.test(uid);
        }

        Set<String> flags(MessagePair known, Side side) {
            MessageInfo info = seen.get(known.uid(side));
            return info != null ? info.flags() : known.flags();
        }

        /** Messages the view saw that the state does not know on this side. */
        SortedMap<Long, MessageInfo> unknown(Set<Long> knownUids) {
            SortedMap<Long, MessageInfo> unknown = new TreeMap<>(seen);
            unknown.keySet().removeAll(knownUids);
            return unknown;
        }
    }

    private View read(Side side, SideState recorded, boolean needFull) throws IOException {
        SyncStore store = stores.get(side);
        SyncMailbox box = selected.get(side);
        if (!needFull && store.incremental() && recorded.highestModSeq() > 0 && box.highestModSeq() > 0
                && recorded.uidValidity() == box.uidValidity()) {
            if (box.highestModSeq() == recorded.highestModSeq()) {
                return new View(false, new TreeMap<>(), uid -> false, Set.of());
            }
            StoreChanges changes = store.changedSince(recorded.highestModSeq());
            Set<Long> touched = null;
            // VANISHED (EARLIER) may name ranges of UIDs that never existed: expanded only while it is small.
            if (changes.changed().size() + changes.vanished().size() <= MAX_TOUCHED) {
                touched = new HashSet<>(changes.changed().keySet());
                touched.addAll(changes.vanished().toList(MAX_TOUCHED));
            }
            return new View(false, new TreeMap<>(changes.changed()), changes.vanished()::contains, touched);
        }
        return new View(true, new TreeMap<>(store.scan()), uid -> false, null);
    }

    private Set<Long> knownUids(MailboxState known, Side side) {
        Set<Long> uids = new HashSet<>();
        for (MessagePair m : known.messages()) {
            if (m.matched(side)) {
                uids.add(m.uid(side));
            }
        }
        return uids;
    }

    // ---------------------------------------------------------------- matching

    /**
     * Gives the recorded messages of a reset side their new UIDs by content; forgets those that find none. Among
     * byte-identical messages, one with the recorded flags is preferred, so twins keep their own flags.
     */
    private void rematch(Side side, MailboxState known) throws IOException {
        SortedMap<Long, MessageInfo> unknown = views.get(side).unknown(knownUids(known, side));
        Map<ContentKey, List<Map.Entry<Long, Digested>>> byKey = new HashMap<>();
        for (Map.Entry<Long, Digested> m : new TreeMap<>(digest(side, unknown.keySet())).entrySet()) {
            byKey.computeIfAbsent(m.getValue().key(), k -> new ArrayList<>()).add(m);
        }
        List<MessagePair> waiting = known.messages().stream().filter(m -> !m.matched(side)).toList();
        state.inTransaction(() -> {
            for (MessagePair m : waiting) {
                List<Map.Entry<Long, Digested>> candidates = byKey.getOrDefault(m.content(side), List.of());
                if (candidates.isEmpty()) {
                    continue;
                }
                Map.Entry<Long, Digested> best = candidates.stream()
                        .filter(c -> c.getValue().flags().equals(m.flags())).findFirst().orElse(candidates.get(0));
                if (state.rematch(pair, side, m.uid(side.other()), m.content(side), best.getKey())) {
                    candidates.remove(best);
                    matched++;
                }
            }
            // Lost on the reset side: forgotten, so the other side's copy is copied back, never deleted.
            state.forgetUnmatched(pair, side);
        });
    }

    /**
     * Records unknown messages present on both sides with the same content key, instead of copying them. Only
     * messages whose Message-ID (or lack of one) has a counterpart are fetched, in batches, and only their content
     * keys are kept.
     */
    private void matchNew(MailboxState known) throws IOException {
        SortedMap<Long, MessageInfo> unknownA = views.get(Side.A).unknown(knownUids(known, Side.A));
        SortedMap<Long, MessageInfo> unknownB = views.get(Side.B).unknown(knownUids(known, Side.B));
        if (unknownA.isEmpty() || unknownB.isEmpty()) {
            return;
        }
        Map<String, List<Long>> candidatesById = new HashMap<>();
        List<Long> candidatesWithoutId = new ArrayList<>();
        Map<Side, Map<Long, String>> ids = BothSides.run(side -> stores.get(side).messageIds(
                (side == Side.A ? unknownA : unknownB).keySet()));
        Map<Long, String> idsB = ids.get(Side.B);
        for (long uid : unknownB.keySet()) {
            String id = normalizeMessageId(idsB.get(uid));
            if (id == null) {
                candidatesWithoutId.add(uid);
            } else {
                candidatesById.computeIfAbsent(id, k -> new ArrayList<>()).add(uid);
            }
        }
        Map<Long, List<Long>> candidatesOfA = new TreeMap<>();
        Map<Long, String> idsA = ids.get(Side.A);
        for (long uidA : unknownA.keySet()) {
            String id = normalizeMessageId(idsA.get(uidA));
            List<Long> candidates = id == null ? candidatesWithoutId : candidatesById.getOrDefault(id, List.of());
            if (!candidates.isEmpty()) {
                candidatesOfA.put(uidA, candidates);
            }
        }
        Map<Long, Digested> digestedB = new HashMap<>();
        List<Long> uidsA = new ArrayList<>(candidatesOfA.keySet());
        for (int from = 0; from < uidsA.size(); from += BATCH_MESSAGES) {
            Map<Long, Digested> batchA = digest(Side.A, uidsA.subList(from, Math.min(uidsA.size(), from + BATCH_MESSAGES)));
            Set<Long> neededB = new TreeSet<>();
            batchA.keySet().forEach(uidA -> neededB.addAll(candidatesOfA.get(uidA)));
            neededB.removeAll(digestedB.keySet());
            digestedB.putAll(digest(Side.B, neededB));
            List<MessagePair> found = new ArrayList<>();
            for (Map.Entry<Long, Digested> a : batchA.entrySet()) {
                List<Long> candidates = candidatesOfA.get(a.getKey());
                for (int i = 0; i < candidates.size(); i++) {
                    Digested b = digestedB.get(candidates.get(i));
                    if (b != null && a.getValue().key().equals(b.key())) {
                        Set<String> common = new HashSet<>(a.getValue().flags());
                        common.retainAll(b.flags()); // a side's extra flags count as its changes in the merge
                        found.add(new MessagePair(a.getKey(), candidates.remove(i), common, b.key()));
                        break;
                    }
                }
            }
            state.inTransaction(() -> found.forEach(m -> state.recordPair(pair, m)));
            matched += found.size();
        }
    }

    /**
     * Records the translated copies a run appended but died before recording, found on their side by their own
     * content key; forgets the pending ones not found (never appended: they are copied again as unknown messages).
     * A copy is recorded even when its source is gone since, so that the next step expunges it as it would any
     * other message expunged on the source side.
     */
    private void resolvePendingCopies() throws IOException {
        List<PendingCopy> pending = state.pendingCopies(pair);
        if (pending.isEmpty()) {
            return;
        }
        MailboxState known = state.read(pair);
        List<MessagePair> found = new ArrayList<>();
        for (Side to : Side.values()) {
            List<PendingCopy> toThisSide = pending.stream().filter(p -> p.to() == to).toList();
            if (toThisSide.isEmpty()) {
                continue;
            }
            Set<Long> knownSource = knownUids(known, to.other());
            Set<String> ids = new HashSet<>();
            boolean withoutId = false;
            for (PendingCopy p : toThisSide) {
                withoutId |= p.copy().messageId() == null;
                if (p.copy().messageId() != null) {
                    ids.add(p.copy().messageId());
                }
            }
            SortedMap<Long, MessageInfo> unknown = views.get(to).unknown(knownUids(known, to));
            Map<Long, String> idsOnSide = stores.get(to).messageIds(unknown.keySet());
            List<Long> candidates = new ArrayList<>();
            for (long uid : unknown.keySet()) {
                String id = normalizeMessageId(idsOnSide.get(uid));
                if (id == null ? withoutId : ids.contains(id)) {
                    candidates.add(uid);
                }
            }
            Map<ContentKey, List<Long>> byKey = new HashMap<>();
            digest(to, candidates).forEach((uid, d) -> byKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(uid));
            for (PendingCopy p : toThisSide) {
                List<Long> uids = byKey.getOrDefault(p.copy(), new ArrayList<>());
                if (uids.isEmpty() || knownSource.contains(p.sourceUid())) {
                    continue;
                }
                long copy = uids.remove(0);
                found.add(to == Side.B ? new MessagePair(p.sourceUid(), copy, p.flags(), p.source(), p.copy())
                        : new MessagePair(copy, p.sourceUid(), p.flags(), p.copy(), p.source()));
            }
        }
        state.inTransaction(() -> {
            found.forEach(m -> state.recordPair(pair, m));
            state.clearPendingCopies(pair);
        });
        matched += found.size();
    }

    /** A message reduced to what matching needs. */
    private record Digested(ContentKey key, Set<String> flags) {}

    /** The content keys and flags of those messages (gone ones left out), fetched in batches. */
    private Map<Long, Digested> digest(Side side, Collection<Long> uids) throws IOException {
        Map<Long, Digested> digested = new HashMap<>();
        List<Long> batch = new ArrayList<>();
        long batchBytes = 0;
        for (long uid : uids) {
            batch.add(uid);
            MessageInfo info = views.get(side).seen.get(uid);
            batchBytes += info == null ? 0 : info.size();
            if (batch.size() >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) {
                digestBatch(side, batch, digested);
                batch.clear();
                batchBytes = 0;
            }
        }
        if (!batch.isEmpty()) {
            digestBatch(side, batch, digested);
        }
        return digested;
    }

    /** One fetch of at most about {@link #BATCH_BYTES}: only the keys are kept, never the messages. */
    private void digestBatch(Side side, List<Long> uids, Map<Long, Digested> into) throws IOException {
        for (StoredMessage m : stores.get(side).fetch(uids)) {
            into.put(m.uid(), new Digested(contentKey(m.content()), Set.copyOf(m.flags())));
        }
    }

    // ---------------------------------------------------------------- flags and expunges

    /** Merges flags and propagates expunges over the recorded messages; returns the sides whose expunges were held. */
    private Set<Side> reconcile(MailboxState known, boolean force) throws IOException {
        Map<Side, List<Long>> toExpunge = Map.of(Side.A, new ArrayList<>(), Side.B, new ArrayList<>());
        Map<Side, Map<FlagChange, List<Long>>> changes = Map.of(Side.A, new LinkedHashMap<>(), Side.B,
                new LinkedHashMap<>());
        List<MessagePair> merged = new ArrayList<>();
        List<MessagePair> gone = new ArrayList<>();
        List<MessagePair> conflicted = new ArrayList<>();
        View viewA = views.get(Side.A);
        View viewB = views.get(Side.B);
        for (MessagePair m : known.messages()) {
            if (!m.matched(Side.A) || !m.matched(Side.B)) {
                continue; // waiting for a re-match that failed above: already forgotten
            }
            boolean onA = viewA.exists(m.uidA());
            boolean onB = viewB.exists(m.uidB());
            if (!onA && !onB) {
                gone.add(m);
            } else if (!onA || !onB) {
                Side lost = onA ? Side.B : Side.A;
                Side kept = lost.other();
                if (!channel.propagates(Change.EXPUNGES) || !channel.flowsFrom(lost)) {
                    continue; // recorded as it is: the kept side keeps it, the lost side does not get it back
                }
                if (changedBeyondDeletion(views.get(kept).flags(m, kept), m.flags())) {
                    conflicted.add(m);
                } else {
                    toExpunge.get(kept).add(m.uid(kept));
                }
            } else if (channel.propagates(Change.FLAGS)) {
                Set<String> flagsA = viewA.flags(m, Side.A);
                Set<String> flagsB = viewB.flags(m, Side.B);
                Set<String> result = merge(m.flags(), channel.flowsFrom(Side.A) ? flagsA : m.flags(),
                        channel.flowsFrom(Side.B) ? flagsB : m.flags());
                boolean changed = false;
                for (Side side : Side.values()) {
                    Set<String> current = side == Side.A ? flagsA : flagsB;
                    if (!current.equals(result) && channel.flowsFrom(side.other())) {
                        changes.get(side).computeIfAbsent(FlagChange.between(current, result), c -> new ArrayList<>())
                                .add(m.uid(side));
                        changed = true;
                    }
                }
                if (changed) {
                    flagged++;
                }
                if (!result.equals(m.flags())) {
                    merged.add(new MessagePair(m.uidA(), m.uidB(), result, m.content(), m.contentB()));
                }
            }
        }
        BothSides.run(side -> {
            List<SyncStore.FlagUpdate> updates = new ArrayList<>();
            changes.get(side).forEach((change, uids) -> updates.add(new SyncStore.FlagUpdate(uids, change.add(),
                    change.remove())));
            if (!updates.isEmpty()) {
                stores.get(side).store(updates);
            }
            return null;
        });
        Set<Side> heldSides = new HashSet<>();
        for (Side side : Side.values()) {
            List<Long> uids = toExpunge.get(side);
            if (uids.isEmpty()) {
                continue;
            }
            if (!force && channel.expungeNeedsForce(uids.size(), Math.max(uids.size(), selected.get(side).exists()))) {
                held += uids.size();
                heldSides.add(side);
            } else {
                pendingExpunges.put(side, uids);
            }
        }
        conflicts += conflicted.size();
        state.inTransaction(() -> {
            for (MessagePair m : merged) {
                state.updateFlags(pair, Side.A, m.uidA(), m.flags());
            }
            for (MessagePair m : gone) {
                state.forget(pair, Side.A, m.uidA());
            }
            for (MessagePair m : conflicted) {
                // The side that kept it changed it: it wins, and is copied back to the side that lost it.
                state.forget(pair, Side.A, m.uidA());
            }
        });
        return heldSides;
    }

    /**
     * Whether the kept side changed a message since the last run, which makes its expunge on the other side a
     * conflict. Setting \Deleted alone does not count: that is what an expunge interrupted between its STORE and
     * its UID EXPUNGE leaves, and a message on its way out wins nothing by it.
     */
    private static boolean changedBeyondDeletion(Set<String> current, Set<String> base) {
        if (current.equals(base)) {
            return false;
        }
        Set<String> withoutDeletion = new HashSet<>(current);
        withoutDeletion.remove(DELETED);
        return !(current.contains(DELETED) && !base.contains(DELETED) && withoutDeletion.equals(base));
    }

    /** Flags to add and to remove, as one STORE pair for every message that needs the same change. */
    private record FlagChange(Set<String> add, Set<String> remove) {
        static FlagChange between(Set<String> current, Set<String> wanted) {
            Set<String> add = new TreeSet<>(wanted);
            add.removeAll(current);
            Set<String> remove = new TreeSet<>(current);
            remove.removeAll(wanted);
            return new FlagChange(add, remove);
        }
    }

    /** The three-way merge, flag by flag: what either side set since the base is set, what either cleared is clear. */
    static Set<String> merge(Set<String> base, Set<String> a, Set<String> b) {
        Set<String> result = new TreeSet<>(base);
        for (Set<String> side : List.of(a, b)) {
            for (String flag : base) {
                if (!side.contains(flag)) {
                    result.remove(flag);
                }
            }
        }
        for (Set<String> side : List.of(a, b)) {
            for (String flag : side) {
                if (!base.contains(flag)) {
                    result.add(flag);
                }
            }
        }
        return result;
    }

    // ---------------------------------------------------------------- copies

    /** Copies the messages of {@code from} the state does not know to the other side, in batches. */
    private void copyUnknown(Side from, MailboxState known) throws IOException {
        Side to = from.other();
        SortedMap<Long, MessageInfo> unknown = views.get(from).unknown(knownUids(known, from));
        if (unknown.isEmpty()) {
            return;
        }
        long bytes = unknown.values().stream().mapToLong(MessageInfo::size).sum();
        listener.planned(pair, unknown.size(), bytes);
        Optional<String> encryptTo = channel.store(to).encryptTo();
        List<Long> batch = new ArrayList<>();
        long batchBytes = 0;
        for (MessageInfo info : unknown.values()) {
            batch.add(info.uid());
            batchBytes += info.size();
            if (batch.size() >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) {
                copyBatch(from, batch, encryptTo);
                batch.clear();
                batchBytes = 0;
            }
        }
        if (!batch.isEmpty()) {
            copyBatch(from, batch, encryptTo);
        }
    }

    private void copyBatch(Side from, List<Long> uids, Optional<String> encryptTo) throws IOException {
        Side to = from.other();
        List<StoredMessage> originals = stores.get(from).fetch(uids); // expunged meanwhile: left out
        if (originals.size() < uids.size()) {
            Set<Long> missing = new HashSet<>(uids);
            originals.forEach(m -> missing.remove(m.uid()));
            if (!stores.get(from).info(missing).isEmpty()) {
                // Still there, yet not served: this side's HIGHESTMODSEQ stays, so the next run reads them again.
                unreadable.add(from);
            }
        }
        if (originals.isEmpty()) {
            return;
        }
        List<StoredMessage> copies = new ArrayList<>(originals.size());
        List<ContentKey> keys = new ArrayList<>(originals.size());
        List<ContentKey> copyKeys = new ArrayList<>(originals.size());
        long bytes = 0;
        for (StoredMessage m : originals) {
            byte[] stored = translator.forStore(m.content(), encryptTo);
            copies.add(new StoredMessage(m.uid(), m.flags(), m.internalDate(), stored.length, stored));
            keys.add(contentKey(m.content()));
            copyKeys.add(stored == m.content() ? keys.get(keys.size() - 1) : contentKey(stored));
            bytes += m.size();
        }
        List<PendingCopy> pending = new ArrayList<>();
        for (int i = 0; i < copies.size(); i++) {
            if (!copyKeys.get(i).equals(keys.get(i))) {
                pending.add(new PendingCopy(to, originals.get(i).uid(), Set.copyOf(originals.get(i).flags()),
                        keys.get(i), copyKeys.get(i)));
            }
        }
        if (!pending.isEmpty()) {
            state.recordPendingCopies(pair, pending);
        }
        SyncMailbox box = selected.get(to);
        List<Long> appended = stores.get(to).append(box.name(), box.uidValidity(), copies);
        if (appended.size() != copies.size()) {
            throw new ImapClientException("APPEND to " + box.name() + " placed " + appended.size() + " of "
                    + copies.size() + " messages");
        }
        verify(to, box, copies, appended, copyKeys);
        state.inTransaction(() -> {
            for (int i = 0; i < copies.size(); i++) {
                long source = originals.get(i).uid();
                long copy = appended.get(i);
                Set<String> flags = new HashSet<>(originals.get(i).flags());
                state.recordPair(pair, from == Side.A
                        ? new MessagePair(source, copy, flags, keys.get(i), copyKeys.get(i))
                        : new MessagePair(copy, source, flags, copyKeys.get(i), keys.get(i)));
            }
            if (!pending.isEmpty()) {
                state.clearPendingCopies(pair);
            }
        });
        if (to == Side.A) {
            copiedToA += copies.size();
        } else {
            copiedToB += copies.size();
        }
        listener.copied(pair, copies.size(), bytes);
    }

    /**
     * Checks that each copy is where APPENDUID put it, with its flags, before the state records it; a copy that is
     * missing or lacks its flags stays unrecorded (the next run matches it by content or copies again) and stops the
     * run. A copy whose size differs was changed by the server on the way in (a header added): it is recorded under
     * the content key of what the server holds, read back, so that the next run does not take it for new mail.
     */
    private void verify(Side to, SyncMailbox box, List<StoredMessage> copies, List<Long> appended,
                        List<ContentKey> copyKeys) throws IOException {
        SortedMap<Long, MessageInfo> stored = stores.get(to).info(appended);
        Map<Long, Integer> rewritten = new HashMap<>();
        for (int i = 0; i < copies.size(); i++) {
            MessageInfo info = stored.get(appended.get(i));
            StoredMessage copy = copies.get(i);
            String problem = info == null ? "is missing"
                    : !info.flags().equals(Set.copyOf(copy.flags())) ? "has the flags " + info.flags() + ", not "
                    + copy.flags() : null;
            if (problem != null) {
                throw new ImapClientException("the copy of UID " + copy.uid() + " appended to " + box.name()
                        + " on side " + to + " as UID " + appended.get(i) + " " + problem + "; not recorded");
            }
            if (info.size() != copy.content().length) {
                rewritten.put(appended.get(i), i);
            }
        }
        for (StoredMessage held : rewritten.isEmpty() ? List.<StoredMessage>of()
                : stores.get(to).fetch(rewritten.keySet())) {
            copyKeys.set(rewritten.get(held.uid()), contentKey(held.content()));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The content key of a message: its Message-ID (if any, printable ASCII) and the translator's digest. */
    ContentKey contentKey(byte[] content) {
        return ContentKey.of(messageId(content), translator.contentDigest(content));
    }

    /** The unfolded value of the first Message-ID header, or null when absent, empty or not printable ASCII. */
    static String messageId(byte[] content) {
        // Only the header is decoded: this runs for every message copied or matched.
        String header = new String(content, 0, headerLength(content), StandardCharsets.ISO_8859_1);
        String[] lines = header.replaceAll("\r?\n(?=[ \t])", "").split("\r?\n");
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(MESSAGE_ID)) {
                return normalizeMessageId(line.substring(colon + 1));
            }
        }
        return null;
    }

    /** Where the header section ends: at the line break before the first empty line, else the whole message. */
    private static int headerLength(byte[] content) {
        for (int i = 0; i + 1 < content.length; i++) {
            if (content[i] == '\n' && (content[i + 1] == '\n'
                    || (content[i + 1] == '\r' && i + 2 < content.length && content[i + 2] == '\n'))) {
                return i > 0 && content[i - 1] == '\r' ? i - 1 : i;
            }
        }
        return content.length;
    }

    /** A Message-ID value with its whitespace runs made single spaces and trimmed; null if empty or not ASCII. */
    static String normalizeMessageId(String value) {
        if (value == null) {
            return null;
        }
        String v = value.replaceAll("[ \t\r\n]+", " ").strip();
        return !v.isEmpty() && v.matches("[\\x20-\\x7e]+") ? v : null;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
