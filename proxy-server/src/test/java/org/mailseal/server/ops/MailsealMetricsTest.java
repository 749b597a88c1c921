package org.mailseal.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MailsealMetricsTest {
    private static String scrape(MailsealMetrics metrics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aCacheKnownOnlyByItsStatisticsStaysPublishedAfterGarbageCollection() throws Exception {
        MailsealMetrics metrics = new MailsealMetrics();
        Cache<String, String> cache = Caffeine.newBuilder().recordStats().build();
        cache.getIfPresent("a");
        cache.put("b", "B");
        cache.getIfPresent("b");
        // Lambdas, referenced by nothing else: the meters must keep them (a weak reference would read 0 or NaN).
        metrics.monitorCacheStats("keys", () -> cache.stats(), () -> cache.estimatedSize());
        System.gc();

        assertThat(scrape(metrics)).contains("cache_gets_total{cache=\"keys\",result=\"miss\"} 1.0")
                .contains("cache_gets_total{cache=\"keys\",result=\"hit\"} 1.0")
                .contains("cache_size{cache=\"keys\"} 1.0");
    }

    @Test
    void aReachableCaffeineCacheIsPublishedUnderTheSameNames() throws Exception {
        MailsealMetrics metrics = new MailsealMetrics();
        Cache<String, String> cache = metrics.monitorCache("ldap", Caffeine.newBuilder().recordStats().build());
        cache.getIfPresent("a");

        assertThat(scrape(metrics)).contains("cache_gets_total{cache=\"ldap\",result=\"miss\"} 1.0");
    }
}
