package org.mailseal.server.keys;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mailseal.crypto.keys.Addresses;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.RecipientKey;

/**
 * One key source behind a cache that keeps mail moving when the source is slow or down.
 *
 * <ul>
 *   <li>Answers, keys and "no key" alike, are fresh for {@code expiry}: a flood of mail to keyless recipients is not
 *       a flood of lookups.</li>
 *   <li>After that, a lookup gets the cached answer at once and a refresh runs in the background
 *       (stale-while-revalidate). A refresh that fails keeps the old answer, for at most {@code staleFor} more.</li>
 *   <li>With nothing to serve, the caller waits for the source at most {@code timeout}, then gets a
 *       {@link KeyLookupException} naming the source. Failures are not cached: the next lookup asks again.</li>
 * </ul>
 * Lookups run on the given executor, never on the caller's thread, so that a hung source cannot hold a caller past
 * the timeout. A time-out abandons the caller's wait, not the lookup: the thread stays with the source until it
 * answers. So each source gets its own bounded pool ({@link #withOwnPool}): a hung source can use up only its own
 * threads, never those of another source (above all the key home's). It lives in the server, not in the pure crypto module, because it owns threads and time-outs.
 * Time comes from the injected {@link Ticker}, so tests move it instead of sleeping.
 */
public final class CachedKeySource implements KeyDirectory, AutoCloseable {
    private final KeySource source;
    private final KeyCacheSettings settings;
    private final Executor lookups;
    private final AsyncLoadingCache<String, List<RecipientKey>> cache;
    /** The pool this instance made for itself and shuts down on close, or null when the executor is the caller's. */
    private final ExecutorService ownPool;

    /** @param lookups where the source is asked; the caller's, and left running on {@link #close()} */
    public CachedKeySource(KeySource source, KeyCacheSettings settings, Executor lookups, Ticker ticker) {
        this(source, settings, lookups, ticker, null);
    }

    private CachedKeySource(KeySource source, KeyCacheSettings settings, Executor lookups, Ticker ticker,
                            ExecutorService ownPool) {
        this.ownPool = ownPool;
        this.source = source;
        this.settings = settings;
        this.lookups = lookups;
        this.cache = Caffeine.newBuilder()
                .refreshAfterWrite(settings.expiry())
                .expireAfterWrite(settings.expiry().plus(settings.staleFor()))
                .maximumSize(settings.maximumSize())
                // No .executor(lookups): that would queue Caffeine's own housekeeping on the bounded lookup pool too,
                // competing with lookups. Loads go there through lookup(); maintenance stays on Caffeine's default.
                .ticker(ticker)
                .recordStats()
                .buildAsync((address, executor) -> lookup(address));
    }

    /**
     * The source behind a cache, asked on a pool of its own of at most {@code maxLookups} threads (no queue: beyond
     * that a lookup fails at once, as the source failing). {@link #close()} shuts the pool down.
     */
    public static CachedKeySource withOwnPool(KeySource source, KeyCacheSettings settings, int maxLookups,
                                              Ticker ticker) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, maxLookups, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "mailseal-key-lookup-" + source.name());
                    thread.setDaemon(true);
                    return thread;
                });
        return new CachedKeySource(source, settings, pool, ticker, pool);
    }

    private CompletableFuture<List<RecipientKey>> lookup(String address) {
        return CompletableFuture.supplyAsync(() -> List.copyOf(source.encryptionKeys(address)), lookups)
                .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    public String name() {
        return source.name();
    }

    /**
     * The source's keys for the address, from the cache when it has an answer.
     *
     * @throws KeyLookupException the source failed or timed out and no earlier answer is left to serve
     */
    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        try {
            return cache.get(Addresses.normalize(address)).join();
        } catch (CompletionException | CancellationException e) {
            throw failure(e.getCause() != null ? e.getCause() : e);
        } catch (RuntimeException e) {
            throw failure(e); // the executor refused the lookup, say while shutting down
        }
    }

    private KeyLookupException failure(Throwable cause) {
        String reason = cause instanceof TimeoutException ? "no answer within " + settings.timeout()
                : cause instanceof KeyLookupException own ? own.reason()
                : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return new KeyLookupException(source.name(), reason, cause);
    }

    /** Drops the cached answer for an address: the next lookup asks the source (which learned something new). */
    public void forget(String address) {
        cache.synchronous().invalidate(Addresses.normalize(address));
    }

    /** Hits (fresh or stale), misses, loads and failed loads since start, for metrics. */
    public CacheStats stats() {
        return cache.synchronous().stats();
    }

    /** Answers held now, fresh or stale, for metrics. */
    public long estimatedSize() {
        return cache.synchronous().estimatedSize();
    }

    /** Whether the source answers now, within the timeout; the cache is not consulted. */
    public boolean answersNow() {
        try {
            CompletableFuture.runAsync(source::probe, lookups)
                    .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS).join();
            return true;
        } catch (CompletionException | CancellationException | java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            if (ownPool != null) {
                ownPool.shutdownNow(); // interrupts lookups still hanging in the source
            }
        }
    }
}
