package org.mailseal.server.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mailseal.imap.sync.SyncState;
import org.mailseal.imap.sync.SyncStateException;
import org.mailseal.server.config.ConfigException;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.config.SyncConfig;
import org.mailseal.server.sync.Backoff;
import org.mailseal.server.sync.ChangeSignal;
import org.mailseal.server.sync.ChannelEngine;
import org.mailseal.server.sync.Sleeper;
import org.mailseal.server.sync.StoreOpener;
import org.mailseal.server.sync.SyncProgress;
import org.mailseal.server.sync.SyncRunner;
import org.mailseal.server.sync.WatchLoop;
import org.mailseal.server.sync.Watchers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mailseal sync}: two-way mailbox sync between the stores of the configuration's channels (issue 7). */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = {"Synchronise mailboxes between the stores of the configuration's sync channels: new messages,"
            + " flags, expunges and folders, as each channel says. The state lives in an SQLite file beside the"
            + " configuration; a run resumes where an interrupted one stopped.",
            "Exit codes: 0 done, 1 a channel failed (the others still ran), 2 usage or configuration error,"
            + " 5 expunges held back by a channel's safety valve (rerun with --force)."})
final class SyncCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SyncCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration file.")
    Path config;

    @CommandLine.ArgGroup(exclusive = true)
    Mode mode = new Mode();

    static final class Mode {
        @Option(names = "--once", description = "Run every channel once and exit (the default).")
        boolean once;

        @Option(names = "--watch", description = "Run once, then keep IDLE on the mailboxes and run again on every"
                + " change and every sync.pollInterval, reconnecting when a link drops, until SIGINT or SIGTERM.")
        boolean watch;
    }

    @Option(names = "--force", description = "Carry out expunges beyond the channels' safety valve (maxExpungeShare)."
            + " With --watch, for the first run only.")
    boolean force;

    @Option(names = "--channel", paramLabel = "NAME", description = "Only this channel (repeatable; default: all).")
    List<String> channelNames = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final StoreOpener opener;
    private final ChannelEngine engine;

    SyncCommand() {
        this(StoreOpener.production(), null);
    }

    /** With other stores and engine (null: the production engine over the configuration's key home): for tests. */
    SyncCommand(StoreOpener opener, ChannelEngine engine) {
        this.opener = opener;
        this.engine = engine;
    }

    @Override
    public Integer call() throws Exception {
        SyncConfig loaded = load(config);
        List<SyncConfig.Channel> channels = select(loaded, channelNames);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SyncState state;
        try {
            state = SyncState.open(loaded.state());
        } catch (SyncStateException e) {
            throw new UserError(ExitCodes.ERROR, e.getMessage());
        }
        ChangeSignal signal = new ChangeSignal();
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            signal.stop();
            try {
                closed.await(30, TimeUnit.SECONDS); // let the run in progress finish and the state close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "mailseal-sync-stop");
        if (mode.watch) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        try (state) {
            SyncRunner runner = new SyncRunner(state, channels, opener,
                    engine != null ? engine : ChannelEngine.production(loaded.keyHome()),
                    new SyncProgress(out, System.console() != null, System::nanoTime), out, err);
            SyncRunner.Result first = runner.runOnce(force);
            if (mode.watch && !signal.stopped()) {
                watch(loaded, state, runner, first, signal);
            }
            return exitCode(first);
        } finally {
            closed.countDown();
            if (mode.watch) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down already: the hook is running and has seen `closed`
                }
            }
        }
    }

    /** 1 when a channel failed, else 5 when one held back expunges, else 0. */
    static int exitCode(SyncRunner.Result result) {
        return !result.failed().isEmpty() ? ExitCodes.ERROR
                : result.needsForce() ? ExitCodes.NEEDS_FORCE : ExitCodes.OK;
    }

    private void watch(SyncConfig loaded, SyncState state, SyncRunner runner, SyncRunner.Result first,
                       ChangeSignal signal) throws InterruptedException {
        // Watchers log at WARN: a lost link and each reconnection attempt show with the default log level.
        try (Watchers watchers = new Watchers(opener, signal::changed, Sleeper.SYSTEM, loaded.watchLimit(),
                LOG::warn)) {
            watchers.refresh(Watchers.plan(runner.channels(), state::mailboxPairs));
            WatchLoop loop = new WatchLoop(() -> runner.runOnce(false),
                    result -> watchers.refresh(Watchers.plan(runner.channels(), state::mailboxPairs)), signal,
                    loaded.pollInterval(), WatchLoop.DEBOUNCE, Backoff.standard(), Sleeper.SYSTEM, signal::stopped,
                    LOG::info);
            loop.first(first);
            LOG.info("sync: watching {} mailboxes; a full run every {}", watchers.size(), loaded.pollInterval());
            loop.run();
        }
    }

    static SyncConfig load(Path file) {
        try {
            return ConfigLoader.loadSync(file);
        } catch (ConfigException e) {
            throw RunCommand.configProblems(e);
        }
    }

    /** The channels named on the command line, in configuration order; all when none is named. */
    static List<SyncConfig.Channel> select(SyncConfig config, List<String> names) {
        if (names.isEmpty()) {
            return config.channels();
        }
        Map<String, SyncConfig.Channel> byName = new LinkedHashMap<>();
        config.channels().forEach(channel -> byName.put(channel.name(), channel));
        for (String name : names) {
            if (!byName.containsKey(name)) {
                throw new UserError(ExitCodes.USAGE, "no channel named '" + name.strip() + "' in the configuration"
                        + " (there are " + String.join(", ", byName.keySet()) + ")");
            }
        }
        return config.channels().stream().filter(channel -> names.contains(channel.name())).toList();
    }
}
