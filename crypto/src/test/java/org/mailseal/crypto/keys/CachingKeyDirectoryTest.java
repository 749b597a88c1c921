package org.mailseal.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachingKeyDirectoryTest {
    /** A directory that records its lookups and whose answers the test changes. */
    static final class RecordingDirectory implements KeyDirectory {
        final List<String> lookups = new ArrayList<>();
        List<RecipientKey> answer = List.of();

        @Override
        public List<RecipientKey> encryptionKeys(String address) {
            lookups.add(address);
            return answer;
        }
    }

    @Test
    void missesAreCachedTooAndEverythingExpires() {
        RecordingDirectory source = new RecordingDirectory();
        AtomicLong nanos = new AtomicLong();
        Ticker ticker = nanos::get;
        CachingKeyDirectory cache = new CachingKeyDirectory(source, Duration.ofMinutes(5), 100, ticker);

        assertThat(cache.encryptionKeys("Nobody@Example.org")).isEmpty();
        assertThat(cache.encryptionKeys("nobody@example.org ")).isEmpty();
        assertThat(source.lookups).containsExactly("nobody@example.org");

        nanos.addAndGet(Duration.ofMinutes(4).toNanos());
        cache.encryptionKeys("nobody@example.org");
        assertThat(source.lookups).hasSize(1);

        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        cache.encryptionKeys("nobody@example.org");
        assertThat(source.lookups).hasSize(2);
        assertThat(cache.stats().hitCount()).isEqualTo(2);
        assertThat(cache.stats().missCount()).isEqualTo(2);
    }

    @Test
    void invalidateAllForgetsAnswers() {
        RecordingDirectory source = new RecordingDirectory();
        CachingKeyDirectory cache = new CachingKeyDirectory(source, Duration.ofHours(1));
        cache.encryptionKeys("a@example.org");
        cache.invalidateAll();
        cache.encryptionKeys("a@example.org");
        assertThat(source.lookups).hasSize(2);
    }
}
