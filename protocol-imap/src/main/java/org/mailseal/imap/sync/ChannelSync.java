package org.mailseal.imap.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import org.mailseal.imap.sync.ChannelConfig.Change;

/**
 * Synchronises one channel: pairs the mailboxes its patterns select on both stores and runs a {@link MailboxSync}
 * on each pair.
 *
 * <p>Mailboxes pair by name, the hierarchy delimiter of one store translated to the other's ({@code Archive/2024}
 * on a store with '/' pairs with {@code Archive.2024} on one with '.'); {@code INBOX} in any case is INBOX. A
 * mailbox on one side only is created on the other when folder creation propagates from its side, and is left
 * alone otherwise. The patterns are applied on each store as they are written.
 *
 * <p>Folder deletion: a mailbox pair recorded in the state whose mailbox is gone from one side. Where deletion
 * propagates from that side (not by default), the other side's mailbox is deleted too, but only when nothing in it
 * would be lost: every message in it is recorded (none arrived since the last run) with the flags of the last run
 * (the expunge conflict rule: a changed message wins). A mailbox holding messages is deleted only within the
 * safety valve (which a whole mailbox never is, below a share of 1) or with {@code --force}; until then it is held
 * back and left alone. Otherwise, or where deletion does not propagate, the mailbox is created again on the side
 * that lost it (when creation propagates) and filled from the other: a deleted folder never takes mail with it.
 */
public final class ChannelSync {
    private final SyncState state;
    private final ChannelConfig channel;
    private final SyncStore a;
    private final SyncStore b;
    private final MessageTranslator translator;
    private final SyncListener listener;

    /** Both stores must be connected and logged in. */
    public ChannelSync(SyncState state, ChannelConfig channel, SyncStore a, SyncStore b, MessageTranslator translator,
                       SyncListener listener) {
        this.state = state;
        this.channel = channel;
        this.a = a;
        this.b = b;
        this.translator = translator;
        this.listener = listener;
    }

    /**
     * One run over every mailbox pair.
     *
     * @param force carry out expunges even beyond the channel's safety valve
     */
    public ChannelSummary run(boolean force) throws IOException {
        Folders folders = new Folders();
        List<PairSummary> summaries = new ArrayList<>();
        List<MailboxSync> prepared = new ArrayList<>();
        for (MailboxPair pair : pairs(folders, force)) {
            MailboxSync sync = new MailboxSync(state, channel, pair, a, b, translator, listener);
            try {
                sync.prepare(force);
            } catch (IOException e) {
                // No pair finishes then: a message moved into this mailbox must not leave its old one meanwhile.
                throw new IOException(describe(pair) + ": " + e.getMessage() + " (no expunges carried out in this"
                        + " channel until it succeeds)", e);
            }
            prepared.add(sync);
        }
        // Expunges last, over every mailbox: a message moved to another folder reached it before it leaves this one.
        // The last one prepared first: its mailboxes are still selected, so it needs no SELECT again.
        PairSummary last = prepared.isEmpty() ? null : prepared.get(prepared.size() - 1).finish(true);
        for (int i = 0; i < prepared.size() - 1; i++) {
            summaries.add(prepared.get(i).finish(false));
        }
        if (last != null) {
            summaries.add(last);
        }
        return new ChannelSummary(channel.name(), summaries, folders.created, folders.deleted, folders.held);
    }

    /** Folders created, deleted and held back in this run, as "A:name" or "B:name". */
    private static final class Folders {
        final List<String> created = new ArrayList<>();
        final List<String> deleted = new ArrayList<>();
        final List<String> held = new ArrayList<>();
    }

    private enum Deletion { DELETED, HELD, KEPT }

    /**
     * The mailbox pairs of this run: first the deletions of recorded pairs that lost a mailbox, then the pairing,
     * creating the mailboxes one side lacks where creation propagates.
     */
    private List<MailboxPair> pairs(Folders folders, boolean force) throws IOException {
        // LIST first: its answers carry the delimiter, so asking for it then costs no round trip.
        Map<Side, List<String>> listed = BothSides.run(side -> store(side).list(channel.mailboxes()));
        Map<Side, Character> delimiters = BothSides.run(side -> store(side).delimiter());
        char delimiterA = delimiters.get(Side.A);
        char delimiterB = delimiters.get(Side.B);
        Map<String, String> onA = byCanonicalName(listed.get(Side.A), delimiterA);
        Map<String, String> onB = byCanonicalName(listed.get(Side.B), delimiterB);
        if (channel.propagates(Change.DELETE_FOLDERS)) {
            for (MailboxPair recorded : state.mailboxPairs(channel.name())) {
                String canonicalA = translate(recorded.mailboxA(), delimiterA, '/');
                String canonicalB = translate(recorded.mailboxB(), delimiterB, '/');
                boolean hasA = recorded.mailboxA().equals(onA.get(canonicalA));
                boolean hasB = recorded.mailboxB().equals(onB.get(canonicalB));
                if (!hasA && !hasB) {
                    state.forget(recorded); // gone from both sides
                } else if (hasA != hasB && channel.flowsFrom(hasA ? Side.B : Side.A)) {
                    Side kept = hasA ? Side.A : Side.B;
                    String where = kept + ":" + recorded.mailbox(kept);
                    switch (deleteFolder(recorded, kept, force)) {
                        case DELETED -> folders.deleted.add(where);
                        case HELD -> folders.held.add(where);
                        case KEPT -> {
                            continue; // paired below, and created again on the side that lost it
                        }
                    }
                    (kept == Side.A ? onA : onB).remove(kept == Side.A ? canonicalA : canonicalB);
                }
            }
        }
        List<String> created = folders.created;
        List<MailboxPair> pairs = new ArrayList<>();
        for (Map.Entry<String, String> e : onA.entrySet()) {
            String nameB = onB.get(e.getKey());
            if (nameB == null && creates(Side.A)) {
                nameB = translate(e.getValue(), delimiterA, delimiterB);
                b.create(nameB);
                created.add("B:" + nameB);
            }
            if (nameB != null) {
                pairs.add(new MailboxPair(channel.name(), e.getValue(), nameB));
            }
        }
        for (Map.Entry<String, String> e : onB.entrySet()) {
            if (onA.containsKey(e.getKey()) || !creates(Side.B)) {
                continue;
            }
            String nameA = translate(e.getValue(), delimiterB, delimiterA);
            a.create(nameA);
            created.add("A:" + nameA);
            pairs.add(new MailboxPair(channel.name(), nameA, e.getValue()));
        }
        return pairs;
    }

    /** Deletes the kept side's mailbox of a pair whose other mailbox is gone, if nothing in it would be lost. */
    private Deletion deleteFolder(MailboxPair recorded, Side kept, boolean force) throws IOException {
        String name = recorded.mailbox(kept);
        if (name.equalsIgnoreCase("INBOX") || !channel.propagates(Change.EXPUNGES)
                || !channel.flowsFrom(kept.other())) {
            // Where expunges do not travel from the side that lost the folder, the kept side may hold messages
            // the other side expunged long ago and this one chose to keep: deleting the folder would lose them.
            return Deletion.KEPT;
        }
        SyncStore store = store(kept);
        SyncMailbox box = store.select(name);
        SortedMap<Long, MessageInfo> held = store.scan();
        MailboxState known = state.read(recorded);
        if (known.side(kept).uidValidity() != box.uidValidity()) {
            return Deletion.KEPT; // its UIDs say nothing about what was synchronised
        }
        Map<Long, MessagePair> byUid = new HashMap<>();
        for (MessagePair m : known.messages()) {
            if (m.matched(kept)) {
                byUid.put(m.uid(kept), m);
            }
        }
        for (MessageInfo message : held.values()) {
            MessagePair recordedMessage = byUid.get(message.uid());
            if (recordedMessage == null || !recordedMessage.flags().equals(message.flags())) {
                return Deletion.KEPT; // new or changed since the last run: it wins over the deletion
            }
        }
        if (!held.isEmpty() && !force && channel.expungeNeedsForce(held.size(), held.size())) {
            return Deletion.HELD;
        }
        store.delete(name);
        state.forget(recorded);
        return Deletion.DELETED;
    }

    private static String describe(MailboxPair pair) {
        return pair.mailboxA().equals(pair.mailboxB()) ? "mailbox " + pair.mailboxA()
                : "mailboxes " + pair.mailboxA() + " and " + pair.mailboxB();
    }

    private SyncStore store(Side side) {
        return side == Side.A ? a : b;
    }

    private boolean creates(Side from) {
        return channel.propagates(Change.CREATE_FOLDERS) && channel.flowsFrom(from);
    }

    /** Names by a form both sides share: '/' as the delimiter and INBOX in capitals. */
    private static Map<String, String> byCanonicalName(List<String> names, char delimiter) {
        Map<String, String> byCanonical = new LinkedHashMap<>();
        for (String name : names) {
            byCanonical.putIfAbsent(translate(name, delimiter, '/'), name);
        }
        return byCanonical;
    }

    private static String translate(String name, char from, char to) {
        String upper = name.toUpperCase(Locale.ROOT);
        String rest = name;
        String prefix = "";
        if (upper.equals("INBOX") || (from != 0 && upper.startsWith("INBOX" + from))) {
            prefix = "INBOX";
            rest = name.substring(5);
        }
        if (from == 0 || to == 0 || from == to) {
            return prefix + rest;
        }
        return prefix + rest.replace(from, to);
    }
}
