package org.mailseal.crypto.keys;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Caches another directory's answers, misses included, for a fixed time. Misses are cached too, so that a flood
 * of mail to keyless recipients does not become a flood of lookups.
 */
public final class CachingKeyDirectory implements KeyDirectory {
    private final LoadingCache<String, List<RecipientKey>> cache;

    public CachingKeyDirectory(KeyDirectory delegate, Duration expiry, long maximumSize, Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(expiry)
                .maximumSize(maximumSize)
                .ticker(ticker)
                .recordStats()
                .build(delegate::encryptionKeys);
    }

    public CachingKeyDirectory(KeyDirectory delegate, Duration expiry) {
        this(delegate, expiry, 100_000, Ticker.systemTicker());
    }

    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        return cache.get(address.trim().toLowerCase(Locale.ROOT));
    }

    /** Forgets everything, for example after keys were imported. */
    public void invalidateAll() {
        cache.invalidateAll();
    }

    public com.github.benmanes.caffeine.cache.stats.CacheStats stats() {
        return cache.stats();
    }

    /** About how many addresses' answers are cached, for monitoring. */
    public long estimatedSize() {
        return cache.estimatedSize();
    }
}
