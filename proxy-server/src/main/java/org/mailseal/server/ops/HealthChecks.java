package org.mailseal.server.ops;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Named probes of what mailseal depends on (each upstream server, each key source), run together, each within a
 * timeout. A report is reused for a short while, so that a storm of {@code /health} requests costs the upstreams one
 * round of probes, not one per request.
 */
public final class HealthChecks implements AutoCloseable {
    /** One probe: returns a short detail when the dependency answers, throws when it does not. */
    @FunctionalInterface
    public interface Probe {
        String check() throws Exception;
    }

    /** One probe's outcome. The detail is mailseal's own words and the exception's, never what a peer sent. */
    public record Result(String name, boolean up, String detail, Duration latency) {}

    /** Every probe's outcome, in the order they were registered; up when all are. */
    public record Report(List<Result> checks) {
        public Report {
            checks = List.copyOf(checks);
        }

        public boolean up() {
            return checks.stream().allMatch(Result::up);
        }

        /** {"status":"up","checks":[{"name":..,"status":"up"|"down","detail":..,"latencyMs":..},..]} */
        public String toJson() {
            StringBuilder json = new StringBuilder("{\"status\":\"").append(up() ? "up" : "down").append("\",\"checks\":[");
            for (int i = 0; i < checks.size(); i++) {
                Result check = checks.get(i);
                json.append(i == 0 ? "" : ",").append("{\"name\":").append(quoted(check.name()))
                        .append(",\"status\":\"").append(check.up() ? "up" : "down").append("\",\"detail\":")
                        .append(quoted(check.detail())).append(",\"latencyMs\":").append(check.latency().toMillis())
                        .append('}');
            }
            return json.append("]}").toString();
        }

        private static String quoted(String text) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }

    private final Map<String, Probe> probes = new LinkedHashMap<>();
    private final Duration timeout;
    private final long reuseNanos;
    private final Ticker ticker;
    private final ExecutorService executor;
    private Report last;
    private long lastAt;

    /**
     * @param timeout  how long each probe may take before it counts as down
     * @param reuseFor how long a report answers further requests
     */
    public HealthChecks(Duration timeout, Duration reuseFor, Ticker ticker) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        this.reuseNanos = reuseFor.toNanos();
        this.ticker = ticker;
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "mailseal-health");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Two seconds per probe, a report reused for a second, on the system clock. */
    public HealthChecks() {
        this(Duration.ofSeconds(2), Duration.ofSeconds(1), Ticker.systemTicker());
    }

    /** Adds a probe; names are unique ({@code upstream:submission}, {@code keys:home}, {@code keys:ldap}...). */
    public synchronized void register(String name, Probe probe) {
        if (probes.putIfAbsent(name, probe) != null) {
            throw new IllegalArgumentException("a health check named " + name + " exists already");
        }
        last = null;
    }

    public synchronized boolean has(String name) {
        return probes.containsKey(name);
    }

    /** The current report: a fresh one, or the last one if it is recent enough. */
    public synchronized Report report() {
        long now = ticker.read();
        if (last != null && now - lastAt < reuseNanos) {
            return last;
        }
        List<CompletableFuture<Result>> running = new ArrayList<>();
        for (Map.Entry<String, Probe> entry : probes.entrySet()) {
            running.add(run(entry.getKey(), entry.getValue()));
        }
        last = new Report(running.stream().map(CompletableFuture::join).toList());
        lastAt = ticker.read();
        return last;
    }

    private CompletableFuture<Result> run(String name, Probe probe) {
        long start = ticker.read();
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new Result(name, true, probe.check(), since(start));
            } catch (Exception e) {
                return new Result(name, false, describe(e), since(start));
            }
        }, executor).completeOnTimeout(new Result(name, false, "no answer within " + timeout.toMillis() + " ms", timeout),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Duration since(long start) {
        return Duration.ofNanos(ticker.read() - start);
    }

    /** The exception's kind and message, on one line and short; wrappers (Netty's DecoderException...) skipped. */
    private static String describe(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null
                && (cause.getMessage() == null || cause.getMessage().equals(cause.getCause().toString()))) {
            cause = cause.getCause();
        }
        String text = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        text = text.replaceAll("[\\r\\n\\t]+", " ");
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
