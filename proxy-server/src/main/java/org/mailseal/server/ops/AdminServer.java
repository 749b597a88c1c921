package org.mailseal.server.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint: {@code GET /metrics} (Prometheus text format 0.0.4) and {@code GET /health} (JSON, 200
 * when every check is up, else 503). Nothing else: 404 for other paths, 405 for other methods. It has no
 * authentication, so it belongs on loopback (the default) or a management network.
 */
public final class AdminServer implements AutoCloseable {
    /** The Prometheus text exposition format's media type. */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Listens on the address (port 0: any free port) until closed. */
    public static AdminServer start(InetSocketAddress address, MailsealMetrics metrics, HealthChecks health)
            throws IOException {
        if (!address.getAddress().isLoopbackAddress()) {
            LOG.warn("the admin endpoint (metrics, health; no authentication) listens on {}, not on loopback",
                    address.getAddress().getHostAddress());
        }
        HttpServer server = HttpServer.create(address, 16);
        // A few threads, so that scrapes go on while health requests wait for one round of probes (which run on
        // threads of their own).
        ExecutorService executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "mailseal-admin");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                handle(exchange, metrics, health);
            }
        });
        server.start();
        return new AdminServer(server, executor);
    }

    private static void handle(HttpExchange exchange, MailsealMetrics metrics, HealthChecks health) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/metrics") && !path.equals("/health")) {
            send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            exchange.getResponseHeaders().set("Allow", "GET");
            send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (path.equals("/metrics")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 << 10);
            metrics.scrape(body);
            send(exchange, 200, PROMETHEUS_TEXT, body.toByteArray());
        } else {
            HealthChecks.Report report = health.report();
            send(exchange, report.up() ? 200 : 503, "application/json",
                    (report.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Where it listens (the real port when started on port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
