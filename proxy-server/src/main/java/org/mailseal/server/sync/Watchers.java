package org.mailseal.server.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.mailseal.imap.sync.MailboxPair;
import org.mailseal.imap.sync.Side;
import org.mailseal.server.config.SyncConfig;

/**
 * The IDLE watchers of {@code --watch}: one per mailbox of a store that some channel reads changes from, up to a
 * limit (each is a connection of its own); mailboxes beyond it are only polled.
 */
public final class Watchers implements AutoCloseable {
    /** A mailbox of a store. */
    public record Target(SyncConfig.Store store, String mailbox) {}

    private final StoreOpener opener;
    private final Runnable onChange;
    private final Sleeper sleeper;
    private final Consumer<String> log;
    private final int limit;
    private final Map<Target, MailboxWatcher> running = new LinkedHashMap<>();
    private int polledOnly = -1;

    public Watchers(StoreOpener opener, Runnable onChange, Sleeper sleeper, int limit, Consumer<String> log) {
        this.opener = opener;
        this.onChange = onChange;
        this.sleeper = sleeper;
        this.limit = limit;
        this.log = log;
    }

    /**
     * The mailboxes to watch, in channel order: of each known mailbox pair, the side(s) whose changes the channel
     * carries over (both, or A for push, B for pull). One store's mailbox in several channels is watched once.
     *
     * @param pairsOf the mailbox pairs the sync state knows for a channel
     */
    public static List<Target> plan(List<SyncConfig.Channel> channels, Function<String, List<MailboxPair>> pairsOf) {
        Set<Target> targets = new LinkedHashSet<>();
        for (SyncConfig.Channel channel : channels) {
            for (MailboxPair pair : pairsOf.apply(channel.name())) {
                for (Side side : Side.values()) {
                    if (channel.config().flowsFrom(side)) {
                        targets.add(new Target(side == Side.A ? channel.a() : channel.b(), pair.mailbox(side)));
                    }
                }
            }
        }
        return new ArrayList<>(targets);
    }

    /** Starts watchers on the planned mailboxes not watched yet, within the limit. */
    public synchronized void refresh(List<Target> planned) {
        int beyond = 0;
        for (Target target : planned) {
            if (running.containsKey(target)) {
                continue;
            }
            if (running.size() >= limit) {
                beyond++;
                continue;
            }
            MailboxWatcher watcher = new MailboxWatcher(target.store(), target.mailbox(), opener, onChange,
                    Backoff.standard(), sleeper, MailboxWatcher.IDLE_TIMEOUT, log);
            running.put(target, watcher);
            Thread thread = new Thread(watcher, "mailseal-watch-" + target.store().name());
            thread.setDaemon(true);
            thread.start();
        }
        if (beyond != polledOnly && beyond > 0) {
            log.accept("watch: " + beyond + " mailboxes beyond sync.watchLimit (" + limit + ") are polled only");
        }
        polledOnly = beyond;
    }

    public synchronized int size() {
        return running.size();
    }

    @Override
    public synchronized void close() {
        running.values().forEach(MailboxWatcher::stop);
        running.clear();
    }
}
