package org.mailseal.server.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;

/** The cache in front of a source: hits and misses, stale answers while the source is down, time-outs. */
class CachedKeySourceTest {
    static final String BOB = "bob@example.org";
    static final KeyCacheSettings SETTINGS =
            new KeyCacheSettings(Duration.ofMinutes(10), Duration.ofHours(24), Duration.ofSeconds(2), 1000);
    static List<RecipientKey> bobKeys;

    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private final FakeKeySource source = new FakeKeySource("ldap ldap://127.0.0.1");
    /** For the tests where the source hangs: lookups on threads of their own, and the latch that frees them. */
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseHungLookups() {
        release.countDown();
        executor.shutdownNow();
    }

    @BeforeAll
    static void keys() throws Exception {
        Date now = new Date();
        bobKeys = List.of(PgpKeys.recipientKey(BOB,
                PgpKeys.generate(BOB, KeyAlgorithm.CV25519, "pw".toCharArray(), now, false).toCertificate(), now));
    }

    /** Lookups and refreshes on the caller's thread: each step is over when the call returns. */
    private CachedKeySource cached() {
        return new CachedKeySource(source, SETTINGS, Runnable::run, ticker);
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Test
    void answersAndMissesAreCachedAndCounted() {
        CachedKeySource cache = cached();
        source.answer = bobKeys;
        assertThat(cache.encryptionKeys("Bob@Example.org")).isEqualTo(bobKeys);
        assertThat(cache.encryptionKeys("bob@example.org")).isEqualTo(bobKeys);
        source.answer = List.of();
        assertThat(cache.encryptionKeys("nobody@example.org")).isEmpty();
        assertThat(cache.encryptionKeys("nobody@example.org")).isEmpty();
        assertThat(source.lookups).hasValue(2);
        assertThat(cache.stats().hitCount()).isEqualTo(2);
        assertThat(cache.stats().missCount()).isEqualTo(2);
    }

    @Test
    void onlyLookupsRunOnTheSourcesExecutorNotTheCachesOwnMaintenance() {
        // The source's executor is bounded; Caffeine's housekeeping queued there would compete with lookups (and log
        // warnings when the pool is full). Only loads belong there.
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        CachedKeySource cache = new CachedKeySource(source, SETTINGS, task -> {
            tasks.incrementAndGet();
            task.run();
        }, ticker);
        source.answer = bobKeys;
        for (int i = 0; i < 20; i++) {
            cache.encryptionKeys("user" + i + "@example.org");
            cache.encryptionKeys("user" + i + "@example.org");
        }
        assertThat(source.lookups).hasValue(20);
        assertThat(tasks).hasValue(20);
    }

    @Test
    void afterExpiryTheSourceIsAskedAgain() {
        CachedKeySource cache = cached();
        source.answer = bobKeys;
        cache.encryptionKeys(BOB);
        source.answer = List.of(); // the key was removed from the directory

        advance(Duration.ofMinutes(9));
        assertThat(cache.encryptionKeys(BOB)).isEqualTo(bobKeys);
        assertThat(source.lookups).hasValue(1); // still fresh

        advance(Duration.ofMinutes(2));
        cache.encryptionKeys(BOB); // triggers the refresh (here on this thread)
        assertThat(cache.encryptionKeys(BOB)).isEmpty();
        assertThat(source.lookups).hasValue(2);
    }

    @Test
    @Timeout(60) // guards against a hang only: were the stale answer to wait for the refresh, it would wait forever
    void aStaleAnswerIsServedWithoutWaitingForTheRefresh() {
        KeyCacheSettings patient = new KeyCacheSettings(Duration.ofMinutes(10), Duration.ofHours(24),
                Duration.ofHours(1), 1000);
        CachedKeySource cache = new CachedKeySource(source, patient, executor, ticker);
        source.answer = bobKeys;
        cache.encryptionKeys(BOB);
        source.hang = release;
        source.answer = List.of();

        advance(Duration.ofMinutes(11));
        assertThat(cache.encryptionKeys(BOB)).isEqualTo(bobKeys); // the refresh hangs on the latch meanwhile
        release.countDown();
        Awaitility.await().until(() -> cache.encryptionKeys(BOB).isEmpty());
    }

    @Test
    void aSourceThatGoesDownHasItsLastAnswerServedForStaleForThenFails() {
        CachedKeySource cache = cached();
        source.answer = bobKeys;
        cache.encryptionKeys(BOB);
        source.failure = new IllegalStateException("connection refused");

        advance(Duration.ofHours(12));
        assertThat(cache.encryptionKeys(BOB)).isEqualTo(bobKeys);
        assertThat(cache.encryptionKeys(BOB)).isEqualTo(bobKeys);
        assertThat(cache.stats().loadFailureCount()).isEqualTo(2); // each stale hit tried a refresh, each failed

        advance(Duration.ofHours(13)); // past expiry + staleFor since the last good answer
        assertThatThrownBy(() -> cache.encryptionKeys(BOB))
                .isInstanceOf(KeyLookupException.class)
                .hasMessageContaining("ldap ldap://127.0.0.1")
                .hasMessageContaining("connection refused")
                .satisfies(e -> assertThat(((KeyLookupException) e).source()).isEqualTo("ldap ldap://127.0.0.1"));
    }

    @Test
    void aFailureIsNotCachedTheNextLookupAsksAgain() {
        CachedKeySource cache = cached();
        source.failure = new IllegalStateException("down");
        assertThatThrownBy(() -> cache.encryptionKeys(BOB)).isInstanceOf(KeyLookupException.class);

        source.failure = null;
        source.answer = bobKeys;
        assertThat(cache.encryptionKeys(BOB)).isEqualTo(bobKeys);
        assertThat(source.lookups).hasValue(2);
    }

    @Test
    void aSourceThatSaysWhyItFailedKeepsItsReasonUnderItsConfiguredName() {
        CachedKeySource cache = cached();
        source.failure = new KeyLookupException("wkd", "HTTP 503 from example.org");
        assertThatThrownBy(() -> cache.encryptionKeys(BOB))
                .isInstanceOf(KeyLookupException.class)
                .hasMessage("key source ldap ldap://127.0.0.1 did not answer: HTTP 503 from example.org")
                .satisfies(e -> assertThat(((KeyLookupException) e).reason()).isEqualTo("HTTP 503 from example.org"));
    }

    @Test
    void aSourceThatNeverAnswersIsGivenUpOnAfterTheTimeout() {
        KeyCacheSettings quick = new KeyCacheSettings(Duration.ofMinutes(10), Duration.ofHours(1),
                Duration.ofMillis(200), 1000);
        CachedKeySource cache = new CachedKeySource(source, quick, executor, ticker);
        source.hang = release;
        assertThatThrownBy(() -> cache.encryptionKeys(BOB))
                .isInstanceOf(KeyLookupException.class)
                .hasMessageContaining("no answer within PT0.2S");
        assertThat(cache.answersNow()).isFalse();
    }

    @Test
    void answersNowAsksTheSourceNotTheCache() {
        CachedKeySource cache = cached();
        source.answer = bobKeys;
        cache.encryptionKeys(BOB);
        assertThat(cache.answersNow()).isTrue();
        source.failure = new IllegalStateException("down");
        assertThat(cache.answersNow()).isFalse();
        assertThat(cache.encryptionKeys(BOB)).isEqualTo(bobKeys);
    }
}
