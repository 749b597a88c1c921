package org.mailseal.server.sync;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mailseal.imap.progress.ProgressMeter;
import org.mailseal.imap.sync.ChannelSummary;
import org.mailseal.imap.sync.SyncState;
import org.mailseal.imap.sync.SyncStateException;
import org.mailseal.imap.sync.BothSides;
import org.mailseal.imap.sync.Side;
import org.mailseal.imap.sync.SyncStore;
import org.mailseal.server.config.SyncConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run over the chosen channels: opens both stores of each, runs the engine, and reports the channel's summary
 * on standard output and in the log. A channel that fails is reported on standard error and the others still run.
 */
public final class SyncRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SyncRunner.class);

    /**
     * What a run did.
     *
     * @param summaries the channels that ran to the end
     * @param failed    the names of the channels that failed
     */
    public record Result(List<ChannelSummary> summaries, List<String> failed) {
        public Result {
            summaries = List.copyOf(summaries);
            failed = List.copyOf(failed);
        }

        /** Whether some channel held back expunges beyond its safety valve. */
        public boolean needsForce() {
            return summaries.stream().anyMatch(ChannelSummary::needsForce);
        }
    }

    private final SyncState state;
    private final List<SyncConfig.Channel> channels;
    private final StoreOpener opener;
    private final ChannelEngine engine;
    private final SyncProgress progress;
    private final PrintWriter out;
    private final PrintWriter err;

    public SyncRunner(SyncState state, List<SyncConfig.Channel> channels, StoreOpener opener, ChannelEngine engine,
                      SyncProgress progress, PrintWriter out, PrintWriter err) {
        this.state = state;
        this.channels = List.copyOf(channels);
        this.opener = opener;
        this.engine = engine;
        this.progress = progress;
        this.out = out;
        this.err = err;
    }

    public List<SyncConfig.Channel> channels() {
        return channels;
    }

    /** @param force carry out expunges beyond the channels' safety valves */
    public Result runOnce(boolean force) {
        List<ChannelSummary> summaries = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (SyncConfig.Channel channel : channels) {
            progress.channelStarted();
            try {
                ChannelSummary summary = run(channel, force);
                progress.channelFinished();
                summaries.add(summary);
                out.println(summary);
                out.flush();
                LOG.info("sync: {}", summary);
            } catch (IOException | RuntimeException e) {
                progress.channelFinished();
                failed.add(channel.name());
                String reason = ProgressMeter.printable(reason(e));
                err.println("mailseal: channel " + channel.name() + ": " + reason);
                err.flush();
                LOG.warn("sync: channel {} failed: {}", channel.name(), reason);
                if (e instanceof SyncStateException) {
                    break; // the state is unusable: the other channels would fail the same way
                }
            }
        }
        return new Result(summaries, failed);
    }

    private ChannelSummary run(SyncConfig.Channel channel, boolean force) throws IOException {
        // Both stores log in at once: on a link to a remote replica that is several round trips saved.
        Map<Side, SyncStore> stores = BothSides.run(side -> opener.open(side == Side.A ? channel.a() : channel.b()),
                SyncStore::close);
        try (SyncStore a = stores.get(Side.A); SyncStore b = stores.get(Side.B)) {
            return engine.run(state, channel.config(), a, b, progress, force);
        }
    }

    private static String reason(Exception e) {
        if (e instanceof IOException || e instanceof SyncStateException || e instanceof UnsupportedOperationException) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
