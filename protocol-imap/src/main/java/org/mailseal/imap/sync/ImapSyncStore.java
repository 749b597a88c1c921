package org.mailseal.imap.sync;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.client.AppendedMessage;
import org.mailseal.imap.client.ImapClientException;
import org.mailseal.imap.client.SelectedMailbox;
import org.mailseal.imap.client.StoredMessage;
import org.mailseal.imap.client.ToolImapClient;
import org.mailseal.imap.client.UidSet;

/**
 * A {@link SyncStore} on an IMAP account, over the blocking {@link ToolImapClient}. Incremental when the server
 * has QRESYNC (RFC 7162), which {@link #open} enables; batches MULTIAPPEND (RFC 3502) and needs UIDPLUS (RFC 4315)
 * to write. Commands that name UIDs carry at most {@link #MAX_UIDS_PER_COMMAND} of them, compressed into ranges.
 */
public final class ImapSyncStore implements SyncStore {
    /** The most UIDs one command names, so a command line stays short whatever the UIDs. */
    static final int MAX_UIDS_PER_COMMAND = 200;
    /** How often a server without IDLE is asked (NOOP) whether the mailbox changed. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(5);
    /** The longest single IDLE command. */
    static final Duration MAX_IDLE = Duration.ofMinutes(25);
    /** How long {@link #close} waits for LOGOUT's answer. */
    /** An impossible-to-exceed UID range for a CHANGEDSINCE fetch on an empty mailbox, where some servers refuse *. */
    private static final String ALL_UIDS = "1:" + UidSet.MAX_UID;

    private final ToolImapClient client;
    private final boolean qresync;
    private char delimiter;
    private boolean delimiterKnown;
    private String selected;
    /** {@link ToolImapClient#commandsSent()} right after the last SELECT, and when it ended. */
    private int selectedAt = -1;
    private long selectedAtNanos;
    private static final long FRESH_VIEW_NANOS = 1_000_000_000L;

    private ImapSyncStore(ToolImapClient client, boolean qresync) {
        this.client = client;
        this.qresync = qresync;
    }

    /** Connects (TLS as configured), logs in and enables QRESYNC when the server advertises it. */
    public static ImapSyncStore open(ImapUpstreamConfig upstream, String user, char[] password) throws IOException {
        return open(upstream, user, password, Set.of());
    }

    /** How a store reads its mailboxes on each run. */
    public enum Scan {
        /** Only what changed since the last run, when the server has QRESYNC; in full otherwise. */
        INCREMENTAL,
        /**
         * Every message of every mailbox, every run, even where the server has QRESYNC: the baseline that
         * {@code mailseal bench sync} measures QRESYNC against, and a way around a server whose QRESYNC is broken.
         */
        FULL
    }

    /** As {@link #open(ImapUpstreamConfig, String, char[])}, reading incrementally or always in full. */
    public static ImapSyncStore open(ImapUpstreamConfig upstream, String user, char[] password, Scan scan)
            throws IOException {
        return open(upstream, user, password, scan == Scan.FULL ? Set.of("QRESYNC") : Set.of());
    }

    /** As {@link #open(ImapUpstreamConfig, String, char[])}, treating {@code ignoredCapabilities} as absent. */
    static ImapSyncStore open(ImapUpstreamConfig upstream, String user, char[] password,
                              Set<String> ignoredCapabilities) throws IOException {
        ToolImapClient client = ToolImapClient.connect(upstream);
        try {
            if (!ignoredCapabilities.isEmpty()) {
                client.ignoreCapabilities(ignoredCapabilities);
            }
            client.login(user, password);
            boolean qresync = client.enable("QRESYNC").contains("QRESYNC");
            return new ImapSyncStore(client, qresync);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public List<String> list(List<String> patterns) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (String pattern : patterns) {
            for (ToolImapClient.ListEntry entry : client.list(pattern)) {
                remember(entry.delimiter());
                if (entry.selectable()) {
                    names.add(entry.name());
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public char delimiter() throws IOException {
        if (!delimiterKnown) {
            // RFC 3501 §6.3.8: LIST "" "" answers the hierarchy delimiter and the root name.
            for (ToolImapClient.ListEntry entry : client.list("")) {
                remember(entry.delimiter());
            }
            if (!delimiterKnown) {
                throw new ImapClientException("LIST \"\" \"\" did not report the hierarchy delimiter");
            }
        }
        return delimiter;
    }

    private void remember(char d) {
        delimiter = d;
        delimiterKnown = true;
    }

    @Override
    public void create(String mailbox) throws IOException {
        try {
            client.create(mailbox);
        } catch (ImapClientException refused) {
            // [ALREADYEXISTS] (RFC 5530) or a server's own words: success only if LIST finds it now.
            if (client.list(mailbox).stream().noneMatch(e -> e.name().equals(mailbox) && e.selectable())) {
                throw refused;
            }
        }
    }

    @Override
    public void delete(String mailbox) throws IOException {
        if (mailbox.equalsIgnoreCase("INBOX")) {
            throw new IllegalArgumentException("INBOX is never deleted");
        }
        if (selected != null) {
            client.unselect();
            selected = null;
        }
        client.delete(mailbox);
    }

    @Override
    public SyncMailbox select(String mailbox) throws IOException {
        selected = null; // a failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1)
        SelectedMailbox box = client.select(mailbox, true);
        selected = mailbox;
        selectedAt = client.commandsSent();
        selectedAtNanos = System.nanoTime();
        return new SyncMailbox(mailbox, box.uidValidity(), box.uidNext(), box.exists(), box.highestModSeq());
    }

    @Override
    public boolean incremental() {
        return qresync;
    }

    @Override
    public SortedMap<Long, MessageInfo> scan() throws IOException {
        requireSelected();
        refreshView();
        if (client.exists() == 0) {
            return new TreeMap<>(); // some servers answer UID FETCH 1:* in an empty mailbox with BAD
        }
        return infos(client.flagsAndSizes("1:*", 0).messages());
    }

    @Override
    public SortedMap<Long, MessageInfo> info(Collection<Long> uids) throws IOException {
        requireSelected();
        client.noop(); // as in scan: messages appended by this or another session become part of its view
        SortedMap<Long, MessageInfo> infos = new TreeMap<>();
        for (String set : commandSets(uids)) {
            infos.putAll(infos(client.flagsAndSizes(set, 0).messages()));
        }
        return infos;
    }

    @Override
    public StoreChanges changedSince(long modSeq) throws IOException {
        requireSelected();
        if (!qresync) {
            throw new ImapClientException("the server has no QRESYNC, so there is no incremental scan");
        }
        if (modSeq <= 0) {
            throw new IllegalArgumentException("CHANGEDSINCE needs a mod-sequence above 0, got " + modSeq);
        }
        refreshView();
        ToolImapClient.FlagsAndSizes answer = client.flagsAndSizes(client.exists() == 0 ? ALL_UIDS : "1:*", modSeq);
        return new StoreChanges(infos(answer.messages()), answer.vanished());
    }

    /**
     * A server answers from its session's view of the mailbox (Dovecot does); NOOP brings that view up to date,
     * unless the SELECT that made it was the last command and just now (a round trip saved on every run). What
     * changes right after the SELECT is not lost either way: the engine records the HIGHESTMODSEQ of the SELECT.
     */
    private void refreshView() throws IOException {
        if (client.commandsSent() != selectedAt || System.nanoTime() - selectedAtNanos > FRESH_VIEW_NANOS) {
            client.noop();
        }
    }

    private static SortedMap<Long, MessageInfo> infos(SortedMap<Long, ToolImapClient.FlagsAndSize> messages) {
        SortedMap<Long, MessageInfo> infos = new TreeMap<>();
        messages.forEach((uid, m) -> infos.put(uid, new MessageInfo(uid, new HashSet<>(m.flags()), m.size())));
        return infos;
    }

    @Override
    public Map<Long, String> messageIds(Collection<Long> uids) throws IOException {
        requireSelected();
        Map<Long, String> ids = new TreeMap<>();
        for (String set : commandSets(uids)) {
            ids.putAll(client.headerField(set, "MESSAGE-ID"));
        }
        return ids;
    }

    @Override
    public List<StoredMessage> fetch(Collection<Long> uids) throws IOException {
        requireSelected();
        List<StoredMessage> messages = new ArrayList<>();
        for (String set : commandSets(uids)) {
            messages.addAll(client.fetch(set)); // sets ascend, each answer in UID order
        }
        return messages;
    }

    @Override
    public List<Long> append(String mailbox, long uidValidity, List<StoredMessage> messages) throws IOException {
        List<AppendedMessage> placed = client.appendAll(mailbox, messages);
        if (placed.size() != messages.size()) {
            throw new ImapClientException("appended " + messages.size() + " messages, the server placed "
                    + placed.size());
        }
        List<Long> uids = new ArrayList<>(placed.size());
        for (AppendedMessage m : placed) {
            if (m.uidValidity() != uidValidity) {
                // The mailbox was recreated meanwhile: the copies landed in a mailbox the state does not know.
                throw new ImapClientException(mailbox + ": APPENDUID reports UIDVALIDITY " + m.uidValidity()
                        + ", expected " + uidValidity);
            }
            uids.add(m.uid());
        }
        return uids;
    }

    @Override
    public void store(Collection<Long> uids, Set<String> add, Set<String> remove) throws IOException {
        requireSelected();
        for (String set : commandSets(uids)) {
            if (!add.isEmpty()) {
                client.storeFlags(set, true, new TreeSet<>(add));
            }
            if (!remove.isEmpty()) {
                client.storeFlags(set, false, new TreeSet<>(remove));
            }
        }
    }

    @Override
    public void store(List<FlagUpdate> updates) throws IOException {
        requireSelected();
        List<ToolImapClient.FlagStore> stores = new ArrayList<>();
        for (FlagUpdate update : updates) {
            for (String set : commandSets(update.uids())) {
                if (!update.add().isEmpty()) {
                    stores.add(new ToolImapClient.FlagStore(set, true, new TreeSet<>(update.add())));
                }
                if (!update.remove().isEmpty()) {
                    stores.add(new ToolImapClient.FlagStore(set, false, new TreeSet<>(update.remove())));
                }
            }
        }
        client.storeFlags(stores); // pipelined: one round trip for every flag change of the run
    }

    @Override
    public void expunge(Collection<Long> uids) throws IOException {
        requireSelected();
        if (!client.hasCapability("UIDPLUS")) {
            // EXPUNGE would also remove what other clients marked \Deleted.
            throw new ImapClientException("server lacks UIDPLUS, so expunging only these messages is impossible");
        }
        for (String set : commandSets(uids)) {
            client.storeFlags(set, true, List.of("\\Deleted"));
            client.uidExpunge(set);
        }
    }

    @Override
    public List<Long> expungeUnchanged(Collection<Long> uids, long modSeq) throws IOException {
        if (modSeq <= 0 || !client.isEnabled("CONDSTORE")) {
            expunge(uids);
            return List.copyOf(uids);
        }
        requireSelected();
        if (!client.hasCapability("UIDPLUS")) {
            throw new ImapClientException("server lacks UIDPLUS, so expunging only these messages is impossible");
        }
        List<Long> expunged = new ArrayList<>();
        for (String set : commandSets(uids)) {
            UidSet changed = client.storeFlagsUnchangedSince(set, true, List.of("\\Deleted"), modSeq);
            List<Long> unchanged = new ArrayList<>();
            for (long uid : UidSet.parse(set).toList(MAX_UIDS_PER_COMMAND)) {
                if (!changed.contains(uid)) {
                    unchanged.add(uid);
                }
            }
            if (!unchanged.isEmpty()) {
                client.uidExpunge(UidSet.format(unchanged));
                expunged.addAll(unchanged);
            }
        }
        return expunged;
    }

    @Override
    public boolean idle(Duration timeout) throws IOException {
        requireSelected();
        // RFC 2177: re-issue IDLE well within the 30-minute inactivity timeout servers may apply.
        Duration left = timeout;
        while (left.compareTo(MAX_IDLE) > 0) {
            if (client.idle(MAX_IDLE, POLL_INTERVAL)) {
                return true;
            }
            left = left.minus(MAX_IDLE);
        }
        return client.idle(left, POLL_INTERVAL);
    }

    @Override
    public void close() {
        try {
            client.logoutWithoutWaiting(); // the answer is a goodbye: not worth a round trip
        } catch (IOException bestEffort) {
            // the socket is closed below either way
        } finally {
            client.close();
        }
    }

    /** The UIDs, ascending, as compressed sets of at most {@link #MAX_UIDS_PER_COMMAND} UIDs each. */
    static List<String> commandSets(Collection<Long> uids) {
        List<Long> sorted = new ArrayList<>(new TreeSet<>(uids));
        List<String> sets = new ArrayList<>();
        for (int from = 0; from < sorted.size(); from += MAX_UIDS_PER_COMMAND) {
            sets.add(UidSet.format(sorted.subList(from, Math.min(sorted.size(), from + MAX_UIDS_PER_COMMAND))));
        }
        return sets;
    }

    private void requireSelected() {
        if (selected == null) {
            throw new IllegalStateException("no mailbox selected");
        }
    }
}
