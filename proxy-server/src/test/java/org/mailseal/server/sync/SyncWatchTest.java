package org.mailseal.server.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.MailboxPair;
import org.mailseal.imap.sync.StoreConfig;
import org.mailseal.server.config.SyncConfig;

/** The watch loop, reconnection backoff and watcher planning, with scripted changes and a recording sleeper. */
class SyncWatchTest {
    private static final SyncRunner.Result CLEAN = new SyncRunner.Result(List.of(), List.of());
    private static final SyncRunner.Result FAILED = new SyncRunner.Result(List.of(), List.of("inbox"));

    private final List<Duration> slept = new ArrayList<>();
    private final Sleeper sleeper = slept::add;
    private final List<String> log = new ArrayList<>();

    // ------------------------------------------------------------------ backoff

    @Test
    void backoffDoublesFromOneSecondToFiveMinutesAndStartsOverAfterReset() {
        Backoff backoff = new Backoff(Backoff.FIRST, Backoff.CEILING, () -> 0.5); // 0.5: no jitter
        List<Long> seconds = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            seconds.add(backoff.next().toSeconds());
        }
        assertThat(seconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 300L, 300L);
        assertThat(backoff.attempts()).isEqualTo(11);
        backoff.reset();
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void jitterSpreadsDelaysByAQuarterEitherWayButNeverAboveTheCeiling() {
        assertThat(new Backoff(Backoff.FIRST, Backoff.CEILING, () -> 0.0).next()).isEqualTo(Duration.ofMillis(750));
        assertThat(new Backoff(Backoff.FIRST, Backoff.CEILING, () -> 0.999).next().toMillis()).isEqualTo(1250);
        Backoff high = new Backoff(Backoff.FIRST, Backoff.CEILING, () -> 0.999);
        for (int i = 0; i < 12; i++) {
            assertThat(high.next()).isLessThanOrEqualTo(Backoff.CEILING);
        }
    }

    // ------------------------------------------------------------------ the loop

    /** Changes answered from a script; records each timeout the loop waited with. */
    private static class ScriptedChanges implements WatchLoop.Changes {
        final Deque<Boolean> answers = new ArrayDeque<>();
        final List<Duration> timeouts = new ArrayList<>();
        int cleared;

        @Override
        public boolean await(Duration timeout) {
            timeouts.add(timeout);
            return answers.isEmpty() ? false : answers.poll();
        }

        @Override
        public void clear() {
            cleared++;
        }
    }

    private WatchLoop loop(ScriptedChanges changes, Deque<SyncRunner.Result> results, AtomicInteger runs,
                           boolean[] stop) {
        return new WatchLoop(() -> {
            runs.incrementAndGet();
            return results.isEmpty() ? CLEAN : results.poll();
        }, result -> {}, changes, Duration.ofMinutes(5), WatchLoop.DEBOUNCE,
                new Backoff(Backoff.FIRST, Backoff.CEILING, () -> 0.5), sleeper, () -> stop[0], log::add);
    }

    @Test
    void aChangeTriggersARunAfterTheDebounceAndNoChangeARunAfterThePollInterval() throws Exception {
        ScriptedChanges changes = new ScriptedChanges();
        changes.answers.add(true);
        changes.answers.add(false);
        AtomicInteger runs = new AtomicInteger();
        WatchLoop loop = loop(changes, new ArrayDeque<>(), runs, new boolean[1]);
        loop.first(CLEAN);

        loop.step();
        assertThat(runs).hasValue(1);
        assertThat(slept).containsExactly(Duration.ofSeconds(1));
        assertThat(changes.cleared).as("changes during the debounce fold into the run").isEqualTo(1);

        loop.step();
        assertThat(runs).hasValue(2);
        assertThat(slept).as("a periodic run has no debounce").hasSize(1);
        assertThat(changes.timeouts).containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(5));
        assertThat(log).contains("sync: a watched mailbox changed; running", "sync: periodic run");
    }

    @Test
    void failedRunsAreRetriedWithBackoffAndACleanRunGoesBackToThePollInterval() throws Exception {
        ScriptedChanges changes = new ScriptedChanges();
        Deque<SyncRunner.Result> results = new ArrayDeque<>(List.of(FAILED, FAILED, CLEAN));
        AtomicInteger runs = new AtomicInteger();
        WatchLoop loop = loop(changes, results, runs, new boolean[1]);
        loop.first(FAILED); // the first run (before the loop) failed: retry after 1 s

        for (int i = 0; i < 4; i++) {
            loop.step();
        }
        assertThat(changes.timeouts).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofMinutes(5));
        assertThat(runs).hasValue(4);
        assertThat(loop.nextWait()).isEqualTo(Duration.ofMinutes(5));
        assertThat(log).anyMatch(line -> line.equals("sync: inbox failed; next try in 2s unless a change comes first"));
    }

    @Test
    void stoppingDuringTheWaitRunsNothingMore() throws Exception {
        boolean[] stop = {false};
        ScriptedChanges changes = new ScriptedChanges() {
            @Override
            public boolean await(Duration timeout) {
                stop[0] = true; // SIGTERM while waiting
                return true;
            }
        };
        AtomicInteger runs = new AtomicInteger();
        loop(changes, new ArrayDeque<>(), runs, stop).run();
        assertThat(runs).hasValue(0);
        assertThat(slept).isEmpty();
    }

    @Test
    void theChangeSignalWakesAWaiterAndForgetsWhatItReported() throws Exception {
        ChangeSignal signal = new ChangeSignal();
        signal.changed();
        assertThat(signal.await(Duration.ofHours(1))).isTrue(); // would hang for an hour if the change were lost
        assertThat(signal.await(Duration.ZERO)).isFalse();
        signal.changed();
        signal.clear();
        assertThat(signal.await(Duration.ZERO)).isFalse();
        signal.stop();
        assertThat(signal.await(Duration.ofHours(1))).isFalse();
        assertThat(signal.stopped()).isTrue();
    }

    // ------------------------------------------------------------------ one watcher

    private static SyncConfig.Store imap(String name, String host) {
        return new SyncConfig.Store(name, new StoreConfig.Imap(host, 993, ImapUpstreamConfig.TlsMode.IMPLICIT, "bob",
                Path.of("/nonexistent/pw"), false, null), null);
    }

    @Test
    void aWatcherReconnectsWithBackoffLogsEachAttemptAndReportsAChangeWhenBack() {
        FakeSyncStore first = new FakeSyncStore();
        FakeSyncStore second = new FakeSyncStore();
        first.idles.add(new FakeSyncStore.Idle.Changed());
        first.idles.add(new FakeSyncStore.Idle.Timeout());
        first.idles.add(new FakeSyncStore.Idle.Drop("connection reset"));
        Deque<Object> opens = new ArrayDeque<>(List.of(first, new IOException("refused"), new IOException("refused"),
                second));
        AtomicInteger changes = new AtomicInteger();
        MailboxWatcher[] watcher = new MailboxWatcher[1];
        second.beforeIdle = () -> watcher[0].stop(); // stop once the second link is idling
        watcher[0] = new MailboxWatcher(imap("office", "imap.example.org"), "INBOX", store -> {
            Object next = opens.poll();
            if (next instanceof IOException e) {
                throw e;
            }
            return (FakeSyncStore) next;
        }, changes::incrementAndGet, new Backoff(Backoff.FIRST, Backoff.CEILING, () -> 0.5), sleeper,
                MailboxWatcher.IDLE_TIMEOUT, log::add);

        watcher[0].run();

        assertThat(first.selected).containsExactly("INBOX");
        assertThat(second.selected).containsExactly("INBOX");
        assertThat(slept).as("drop, refused, refused: 1 s doubling")
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
        assertThat(changes).as("one on first watching, one from IDLE, one on reconnecting").hasValue(3);
        assertThat(log).containsExactly(
                "watch office INBOX: connection reset; reconnecting in 1s (attempt 1)",
                "watch office INBOX: refused; reconnecting in 2s (attempt 2)",
                "watch office INBOX: refused; reconnecting in 4s (attempt 3)",
                "watch office INBOX: reconnected");
        assertThat(first.isClosed()).isTrue();
        assertThat(second.isClosed()).isTrue();
    }

    @Test
    void aWatcherReportsAChangeOnceItFirstWatchesBecauseWhatCameBeforeItsSelectWasNotSeen() {
        FakeSyncStore store = new FakeSyncStore();
        store.idles.add(new FakeSyncStore.Idle.Timeout());
        AtomicInteger changes = new AtomicInteger();
        MailboxWatcher[] watcher = new MailboxWatcher[1];
        int[] idles = {0};
        store.beforeIdle = () -> {
            if (++idles[0] == 2) {
                watcher[0].stop();
            }
        };
        watcher[0] = new MailboxWatcher(imap("office", "imap.example.org"), "INBOX", s -> store,
                changes::incrementAndGet, Backoff.standard(), sleeper, MailboxWatcher.IDLE_TIMEOUT, log::add);

        watcher[0].run();

        // A message appended between the end of the first run and this SELECT is reported, not left for the poll.
        assertThat(changes).as("one on first watching; a quiet IDLE reports none").hasValue(1);
        assertThat(log).isEmpty();
    }

    // ------------------------------------------------------------------ which mailboxes

    @Test
    void planWatchesTheSidesChangesFlowFromOnceEach() {
        SyncConfig.Store office = imap("office", "imap.example.org");
        SyncConfig.Store laptop = imap("laptop", "localhost");
        SyncConfig.Store backup = imap("backup", "backup.example.org");
        SyncConfig.Channel both = channel("inbox", office, laptop, ChannelConfig.Direction.BOTH);
        SyncConfig.Channel push = channel("backup", office, backup, ChannelConfig.Direction.PUSH);
        Map<String, List<MailboxPair>> pairs = Map.of(
                "inbox", List.of(new MailboxPair("inbox", "INBOX", "INBOX")),
                "backup", List.of(new MailboxPair("backup", "INBOX", "INBOX"),
                        new MailboxPair("backup", "Archive", "Archive")));

        List<Watchers.Target> plan = Watchers.plan(List.of(both, push), pairs::get);

        assertThat(plan).containsExactly(new Watchers.Target(office, "INBOX"), new Watchers.Target(laptop, "INBOX"),
                new Watchers.Target(office, "Archive"));
    }

    @Test
    void watchersBeyondTheLimitAreNotStartedAndCloseStopsTheRest() {
        List<FakeSyncStore> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        SyncConfig.Store office = imap("office", "imap.example.org");
        try (Watchers watchers = new Watchers(store -> {
            FakeSyncStore fake = new FakeSyncStore();
            opened.add(fake);
            return fake;
        }, () -> {}, sleeper, 2, log::add)) {
            watchers.refresh(List.of(new Watchers.Target(office, "INBOX"), new Watchers.Target(office, "Sent"),
                    new Watchers.Target(office, "Archive")));
            watchers.refresh(List.of(new Watchers.Target(office, "INBOX")));
            assertThat(watchers.size()).isEqualTo(2);
            assertThat(log).contains("watch: 1 mailboxes beyond sync.watchLimit (2) are polled only");
        }
        org.awaitility.Awaitility.await().until(() -> opened.size() <= 2 && opened.stream()
                .allMatch(FakeSyncStore::isClosed));
    }

    private static SyncConfig.Channel channel(String name, SyncConfig.Store a, SyncConfig.Store b,
                                              ChannelConfig.Direction direction) {
        ChannelConfig config = ChannelConfig.of(name, a.config(), b.config(), List.of("*")).withDirection(direction);
        return new SyncConfig.Channel(config, a, b);
    }
}
