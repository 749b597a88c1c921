package org.mailseal.server.sync;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Delays between reconnection attempts: the first, then doubling up to a ceiling, each scaled by a random factor
 * from 0.75 to 1.25 (and never above the ceiling) so that many watchers cut off together do not reconnect in step.
 * Not thread-safe: one per link.
 */
public final class Backoff {
    public static final Duration FIRST = Duration.ofSeconds(1);
    public static final Duration CEILING = Duration.ofMinutes(5);

    private final Duration first;
    private final Duration ceiling;
    private final DoubleSupplier random;
    private int attempts;

    /** @param random values in [0, 1); 0.5 means no jitter */
    public Backoff(Duration first, Duration ceiling, DoubleSupplier random) {
        if (first.isNegative() || first.isZero() || ceiling.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= ceiling, got " + first + " and " + ceiling);
        }
        this.first = first;
        this.ceiling = ceiling;
        this.random = random;
    }

    /** 1 s doubling to 5 min, with jitter. */
    public static Backoff standard() {
        return new Backoff(FIRST, CEILING, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the next attempt. */
    public Duration next() {
        long base = first.toMillis();
        for (int i = 0; i < attempts && base < ceiling.toMillis(); i++) {
            base *= 2;
        }
        base = Math.min(base, ceiling.toMillis());
        attempts++;
        double factor = 0.75 + 0.5 * random.getAsDouble();
        return Duration.ofMillis(Math.min(ceiling.toMillis(), Math.round(base * factor)));
    }

    /** The link works again: the next failure starts from the first delay. */
    public void reset() {
        attempts = 0;
    }

    /** Attempts since the last reset. */
    public int attempts() {
        return attempts;
    }
}
