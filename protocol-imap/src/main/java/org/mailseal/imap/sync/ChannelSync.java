package org.mailseal.imap.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mailseal.imap.sync.ChannelConfig.Change;

/**
 * Synchronises one channel: pairs the mailboxes its patterns select on both stores and runs a {@link MailboxSync}
 * on each pair.
 *
 * <p>Mailboxes pair by name, the hierarchy delimiter of one store translated to the other's ({@code Archive/2024}
 * on a store with '/' pairs with {@code Archive.2024} on one with '.'); {@code INBOX} in any case is INBOX. A
 * mailbox on one side only is created on the other when folder creation propagates from its side, and is left
 * alone otherwise. The patterns are applied on each store as they are written. Folder deletion is not carried out:
 * a mailbox deleted on one side is created again there (when creation propagates) and filled from the other, so a
 * deleted folder never takes mail with it.
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
        if (channel.propagates(Change.DELETE_FOLDERS)) {
            throw new IllegalArgumentException("channel " + channel.name() + ": propagating folder deletion is not"
                    + " supported; remove delete-folders from what it propagates");
        }
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
        List<String> created = new ArrayList<>();
        List<PairSummary> summaries = new ArrayList<>();
        for (MailboxPair pair : pairs(created)) {
            summaries.add(new MailboxSync(state, channel, pair, a, b, translator, listener).run(force));
        }
        return new ChannelSummary(channel.name(), summaries, created);
    }

    /** The mailbox pairs of this run, creating the mailboxes one side lacks where creation propagates. */
    private List<MailboxPair> pairs(List<String> created) throws IOException {
        char delimiterA = a.delimiter();
        char delimiterB = b.delimiter();
        Map<String, String> onA = byCanonicalName(a.list(channel.mailboxes()), delimiterA);
        Map<String, String> onB = byCanonicalName(b.list(channel.mailboxes()), delimiterB);
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
