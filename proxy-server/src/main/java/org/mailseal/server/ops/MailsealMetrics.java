package org.mailseal.server.ops;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * mailseal's meters, in one Prometheus registry that the admin server scrapes. Every meter name is defined here (the
 * README lists them with their tags). Tags never carry addresses, user names or listener names: they would leak who
 * mails whom and make the number of series unbounded.
 */
public final class MailsealMetrics {
    /** Counter, tagged {@link #PROTOCOL}: client sessions opened. */
    public static final String SESSIONS = "mailseal.sessions";
    /** Gauge, tagged {@link #PROTOCOL}: client sessions open now. */
    public static final String SESSIONS_ACTIVE = "mailseal.sessions.active";
    /** Counter in bytes, tagged {@link #PROTOCOL} and {@code direction} (in, out): bytes on client links. */
    public static final String BYTES = "mailseal.bytes";
    /** Counter, tagged {@link #PROTOCOL}: upstream connections that failed or broke. */
    public static final String UPSTREAM_ERRORS = "mailseal.upstream.errors";
    /** Counter, tagged {@code protocol} and {@code reason} (per-address-limit, proxy-header). */
    public static final String CONNECTIONS_REFUSED = "mailseal.connections.refused";
    /** Counter, tagged {@code role} (submission, inbound, lmtp): SMTP messages whose copies went to the upstream. */
    public static final String MESSAGES_RELAYED = "mailseal.messages.relayed";
    /** Counter, tagged {@link #PROTOCOL} and {@link #FORMAT}: ciphertexts made (SMTP copies, IMAP APPENDs). */
    public static final String MESSAGES_ENCRYPTED = "mailseal.messages.encrypted";
    /** Counter, tagged {@link #PROTOCOL} and {@link #FORMAT}: messages decrypted (SMTP: to the gateway key). */
    public static final String MESSAGES_DECRYPTED = "mailseal.messages.decrypted";
    /** Counter, tagged {@link #PROTOCOL} and {@code reason}: messages or copies passed on without crypto. */
    public static final String MESSAGES_PASSED = "mailseal.messages.passed";
    /** Counter, tagged {@link #PROTOCOL}: encrypted messages that could not be decrypted for their reader. */
    public static final String DECRYPT_FAILURES = "mailseal.decrypt.failures";
    /** Counter, tagged {@code stage} (rcpt, data): recipients or messages refused because policy requires a key. */
    public static final String POLICY_REJECTIONS = "mailseal.policy.rejections";
    /** Timer, tagged {@code result} (found, none, error): public key lookups, cache included. */
    public static final String KEY_LOOKUPS = "mailseal.key.lookups";
    /** Gauge in bytes, tagged {@link #PROTOCOL} (imap, pop3): decrypted plaintext held in memory. */
    public static final String DECRYPT_CACHE_BYTES = "mailseal.decrypt.cache.bytes";
    /** Gauge, tagged {@link #PROTOCOL} (imap, pop3): decrypted messages held in memory. */
    public static final String DECRYPT_CACHE_ENTRIES = "mailseal.decrypt.cache.entries";

    public static final String PROTOCOL = "protocol";
    public static final String FORMAT = "format";

    private final PrometheusMeterRegistry registry;
    private final Map<MailProtocol, ProtocolMeters> protocols = new EnumMap<>(MailProtocol.class);
    private final List<Object> keptAlive = new CopyOnWriteArrayList<>();

    public MailsealMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Cheap JVM and process meters (no GC listener threads): memory, threads, classes, CPU, uptime.
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (MailProtocol protocol : MailProtocol.values()) {
            protocols.put(protocol, new ProtocolMeters(registry, protocol)); // zero from the start, not absent
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Sessions, bytes and upstream errors of one protocol, for the connection-level handler. */
    public ProtocolMeters protocol(MailProtocol protocol) {
        return protocols.get(protocol);
    }

    /** Writes every meter in the Prometheus text format 0.0.4. */
    public void scrape(OutputStream out) throws IOException {
        registry.scrape(out, AdminServer.PROMETHEUS_TEXT);
    }

    /** Publishes the size of a protocol's cache of decrypted messages: bytes and entries. */
    public <T> void monitorDecryptCache(MailProtocol protocol, T cache, ToLongFunction<T> bytes,
                                        ToLongFunction<T> entries) {
        Gauge.builder(DECRYPT_CACHE_BYTES, cache, c -> bytes.applyAsLong(c)).baseUnit("bytes").strongReference(true)
                .description("Decrypted plaintext held in memory").tag(PROTOCOL, protocol.tag()).register(registry);
        Gauge.builder(DECRYPT_CACHE_ENTRIES, cache, c -> entries.applyAsLong(c)).strongReference(true)
                .description("Decrypted messages held in memory").tag(PROTOCOL, protocol.tag()).register(registry);
    }

    /**
     * Publishes a Caffeine cache's size, hits, misses, evictions and loads as Micrometer's {@code cache.*} meters
     * tagged {@code cache=name}. The cache must be built with {@code recordStats()} for hits and misses.
     */
    public <K, V, C extends Cache<K, V>> C monitorCache(String name, C cache) {
        return CaffeineCacheMetrics.monitor(registry, cache, name);
    }

    /**
     * The same {@code cache.*} meters (gets by result, evictions, size) for a cache that is not reachable, only its
     * statistics: for example one inside a key source of the crypto module.
     */
    public void monitorCacheStats(String name, Supplier<CacheStats> stats, LongSupplier size) {
        keptAlive.add(stats); // a function counter holds its object weakly: a lambda would be collected
        FunctionCounter.builder("cache.gets", stats, s -> s.get().hitCount()).tag("cache", name).tag("result", "hit")
                .description("The number of times cache lookup methods have returned a cached value.").register(registry);
        FunctionCounter.builder("cache.gets", stats, s -> s.get().missCount()).tag("cache", name).tag("result", "miss")
                .description("The number of times cache lookup methods have returned an uncached value.")
                .register(registry);
        FunctionCounter.builder("cache.evictions", stats, s -> s.get().evictionCount()).tag("cache", name)
                .description("The number of times the cache was evicted.").register(registry);
        Gauge.builder("cache.size", size, LongSupplier::getAsLong).strongReference(true).tag("cache", name)
                .description("The number of entries in this cache.").register(registry);
    }
}
