package org.mailseal.server.keys;

import java.time.Duration;

/**
 * How a source's answers are cached and how long a lookup may take.
 *
 * @param expiry      an answer (keys or none) is fresh this long; a lookup after that still gets it at once while a
 *                    refresh runs in the background
 * @param staleFor    how much longer an answer is served while refreshes fail (the source is down); after
 *                    {@code expiry + staleFor} without a successful refresh it is forgotten
 * @param timeout     how long a caller waits for a lookup that has no answer to serve
 * @param maximumSize addresses kept per source
 */
public record KeyCacheSettings(Duration expiry, Duration staleFor, Duration timeout, long maximumSize) {
    /** One minute fresh (as the key home was cached before sources), a day stale, two seconds per lookup. */
    public static final KeyCacheSettings DEFAULTS =
            new KeyCacheSettings(Duration.ofMinutes(1), Duration.ofHours(24), Duration.ofSeconds(2), 100_000);

    public KeyCacheSettings {
        requirePositive(expiry, "expiry");
        requirePositive(timeout, "timeout");
        if (staleFor == null || staleFor.isNegative()) {
            throw new IllegalArgumentException("staleFor must be zero or positive, got " + staleFor);
        }
        if (maximumSize < 1) {
            throw new IllegalArgumentException("maximumSize must be at least 1, got " + maximumSize);
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
