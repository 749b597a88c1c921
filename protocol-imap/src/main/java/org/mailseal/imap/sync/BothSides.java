package org.mailseal.imap.sync;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs the same step on side A and side B at once, each on its own store, so that a run waits for one round trip
 * where it would wait for two (a link to a remote replica costs mostly round trips). Each store stays in one thread
 * at a time: side A's work runs on a helper thread, side B's on the caller's, and this returns only once both ended,
 * even when one failed.
 */
public final class BothSides {
    private static final ExecutorService SIDE_A = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mailseal-sync-side-a");
        t.setDaemon(true);
        return t;
    });

    private BothSides() {}

    /** The work for one side. */
    @FunctionalInterface
    public interface Step<T> {
        T run(Side side) throws IOException;
    }

    /** Runs {@code step} for both sides at once; the results by side (null results allowed). */
    public static <T> Map<Side, T> run(Step<T> step) throws IOException {
        return run(step, result -> { });
    }

    /**
     * Runs {@code step} for both sides at once. When one fails, the other's result, if it has one, goes to
     * {@code discard} (a store that opened while the other did not is closed), and the failure is thrown.
     */
    public static <T> Map<Side, T> run(Step<T> step, Consumer<? super T> discard) throws IOException {
        Future<T> a = SIDE_A.submit(() -> step.run(Side.A));
        T resultB = null;
        Throwable failure = null;
        try {
            resultB = step.run(Side.B);
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        }
        T resultA = null;
        boolean interrupted = false;
        while (true) {
            try {
                resultA = a.get();
                break;
            } catch (ExecutionException e) {
                failure = first(failure, e.getCause());
                break;
            } catch (InterruptedException e) {
                interrupted = true; // side A still uses its store: wait for it all the same
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            failure = first(failure, new InterruptedIOException("interrupted while side A was working"));
        }
        if (failure != null) {
            if (resultA != null) {
                discard.accept(resultA);
            }
            if (resultB != null) {
                discard.accept(resultB);
            }
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            throw new IOException(failure);
        }
        Map<Side, T> results = new EnumMap<>(Side.class);
        results.put(Side.A, resultA);
        results.put(Side.B, resultB);
        return results;
    }

    private static Throwable first(Throwable earlier, Throwable later) {
        if (earlier == null) {
            return later;
        }
        earlier.addSuppressed(later);
        return earlier;
    }
}
