package org.mailseal.server.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.server.keys.KeyCacheSettings;
import org.mailseal.server.ops.HealthChecks;
import org.mailseal.server.keys.KeyLookupException;
import org.mailseal.server.keys.KeySource;
import org.mailseal.server.keys.KeySourceChain;

/** A hung key source uses up its own lookup threads, never the key home's. */
class KeySourcePoolsTest {
    private static final String ALICE = "alice@example.org";
    /** Short, so that each abandoned lookup returns to the test soon; nothing is asserted about time. */
    private static final KeyCacheSettings SETTINGS =
            new KeyCacheSettings(Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofMillis(100), 1000);
    private static final int POOL = 2;

    private final CountDownLatch release = new CountDownLatch(1);
    private KeySourceChain chain;

    @AfterEach
    void close() {
        release.countDown();
        if (chain != null) {
            chain.close();
        }
    }

    @Test
    @Timeout(30)
    void aSourceWhoseLookupsNeverEndCannotStarveTheKeyHome() throws Exception {
        Date now = new Date();
        List<RecipientKey> aliceKeys = List.of(PgpKeys.recipientKey(ALICE,
                PgpKeys.generate(ALICE, KeyAlgorithm.CV25519, "pw".toCharArray(), now, false).toCertificate(), now));
        KeySource home = KeySource.of("home", address -> address.equals(ALICE) ? aliceKeys : List.of());
        KeySource hung = KeySource.of("wkd", address -> {
            try {
                release.await(); // DNS that never answers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        });
        chain = ProxyServer.chain(List.of(home, hung), SETTINGS, POOL, Ticker.systemTicker());

        // Each lookup for an address the home lacks reaches the hung source, times out and leaves a thread behind.
        for (int i = 0; i <= POOL; i++) {
            String stranger = "stranger" + i + "@remote.example";
            assertThatThrownBy(() -> chain.encryptionKeys(stranger)).isInstanceOf(KeyLookupException.class);
        }
        // The hung source's pool is full now: it refuses at once.
        assertThatThrownBy(() -> chain.sources().get(1).encryptionKeys("one-more@remote.example"))
                .isInstanceOf(KeyLookupException.class).hasRootCauseInstanceOf(
                        java.util.concurrent.RejectedExecutionException.class);

        // The home still answers: an opportunistic recipient with a key there is not sent plaintext.
        assertThat(chain.encryptionKeys(ALICE)).isEqualTo(aliceKeys);
        assertThat(chain.sources().get(0).answersNow()).isTrue();
    }

    @Test
    void sourcesWithTheSameNameGetUniqueOnesForMetricsAndHealthChecks() {
        KeySource first = KeySource.of("ldap ldaps://ldap.example.org", address -> List.of());
        KeySource second = KeySource.of("ldap ldaps://ldap.example.org", address -> List.of());
        KeySource third = KeySource.of("ldap ldaps://ldap.example.org", address -> List.of());
        chain = ProxyServer.chain(List.of(first, second, third), SETTINGS, POOL, Ticker.systemTicker());
        assertThat(chain.stats()).extracting(KeySourceChain.SourceStats::source).containsExactly(
                "ldap ldaps://ldap.example.org", "ldap ldaps://ldap.example.org #2", "ldap ldaps://ldap.example.org #3");
        HealthChecks health = new HealthChecks();
        try {
            chain.sources().forEach(source -> health.register("keys:" + source.name(), () -> "answers"));
        } finally {
            health.close();
        }
    }
}
