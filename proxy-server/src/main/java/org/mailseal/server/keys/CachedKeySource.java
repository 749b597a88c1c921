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
 * the timeout. It lives in the server, not in the pure crypto module, because it owns threads and time-outs.
 * Time comes from the injected {@link Ticker}, so tests move it instead of sleeping.
 */
public final class CachedKeySource implements KeyDirectory, AutoCloseable {
    private final KeySource source;
    private final KeyCacheSettings settings;
    private final Executor lookups;
    private final AsyncLoadingCache<String, List<RecipientKey>> cache;

    public CachedKeySource(KeySource source, KeyCacheSettings settings, Executor lookups, Ticker ticker) {
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
        source.close();
    }
}
