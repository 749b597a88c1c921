package org.mailseal.server.keys;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.List;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.RecipientKey;

/**
 * The configured key sources, asked in order: the first that has keys for an address answers. The key home comes
 * first by default, so a key the administrator pinned there is never overridden by a directory.
 *
 * <p>A source that fails (see {@link CachedKeySource}) does not end the search: a later source's key is still a
 * key valid for the address. Only when no source has a key and at least one failed does the chain throw
 * {@link KeyLookupException}, since "no key" would then be a guess. It lives beside {@link CachedKeySource} in the
 * server for the same reason: it is run-time plumbing, not crypto.
 */
public final class KeySourceChain implements KeyDirectory, AutoCloseable {
    private final List<CachedKeySource> sources;

    public KeySourceChain(List<CachedKeySource> sources) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a key source chain needs at least one source");
        }
        this.sources = List.copyOf(sources);
    }

    /**
     * @throws KeyLookupException no source has a key and one failed (the first failure; later ones suppressed)
     */
    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        KeyLookupException failure = null;
        for (CachedKeySource source : sources) {
            try {
                List<RecipientKey> keys = source.encryptionKeys(address);
                if (!keys.isEmpty()) {
                    return keys;
                }
            } catch (KeyLookupException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return List.of();
    }

    public List<CachedKeySource> sources() {
        return sources;
    }

    /** Cache statistics per source, in chain order. */
    public List<SourceStats> stats() {
        return sources.stream().map(s -> new SourceStats(s.name(), s.stats())).toList();
    }

    /** Whether each source answers now, in chain order (each probe bounded by its timeout). */
    public List<SourceHealth> health() {
        return sources.stream().map(s -> new SourceHealth(s.name(), s.answersNow())).toList();
    }

    @Override
    public void close() {
        sources.forEach(CachedKeySource::close);
    }

    public record SourceStats(String source, CacheStats cache) {}

    public record SourceHealth(String source, boolean up) {}
}
