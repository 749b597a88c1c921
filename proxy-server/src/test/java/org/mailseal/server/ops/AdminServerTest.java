package org.mailseal.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailseal.smtp.UpstreamConfig;

/** The admin endpoint over real HTTP, with a real (tiny) upstream behind its health check. */
class AdminServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicLong nanos = new AtomicLong();
    private EventLoopGroup group;
    private GreetingServer upstream;
    private MailsealMetrics metrics;
    private HealthChecks health;
    private AdminServer admin;

    @BeforeEach
    void start() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        upstream = new GreetingServer("220 upstream ready\r\n");
        metrics = new MailsealMetrics();
        health = new HealthChecks(Duration.ofSeconds(5), Duration.ofSeconds(1), nanos::get);
        health.register("upstream:smtp", UpstreamProbe.smtp(group,
                UpstreamConfig.plain("127.0.0.1", upstream.port(), "probe.test"), Duration.ofSeconds(5)));
        admin = AdminServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics, health);
    }

    @AfterEach
    void stop() throws IOException {
        admin.close();
        health.close();
        upstream.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private HttpResponse<String> request(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAreInThePrometheusTextFormat() throws Exception {
        metrics.protocol(MailProtocol.IMAP).sessionOpened();
        metrics.protocol(MailProtocol.IMAP).bytesIn(42);

        HttpResponse<String> response = request("GET", "/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body())
                .contains("# TYPE mailseal_sessions_total counter")
                .contains("mailseal_sessions_total{protocol=\"imap\"} 1.0")
                .contains("mailseal_sessions_active{protocol=\"imap\"} 1.0")
                .contains("mailseal_sessions_total{protocol=\"pop3\"} 0.0")
                .contains("mailseal_bytes_total{direction=\"in\",protocol=\"imap\"} 42.0")
                .contains("jvm_memory_used_bytes");
    }

    @Test
    void healthIsUpWhileTheUpstreamGreetsAndDownOnceItIsGone() throws Exception {
        HttpResponse<String> up = request("GET", "/health");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(up.body()).startsWith("{\"status\":\"up\",\"checks\":[{\"name\":\"upstream:smtp\",\"status\":\"up\","
                + "\"detail\":\"greeting 220\",\"latencyMs\":");

        upstream.close();
        // Within the reuse time, the report is the last one: the upstream is not asked again.
        assertThat(request("GET", "/health").statusCode()).isEqualTo(200);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());

        HttpResponse<String> down = request("GET", "/health");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).startsWith("{\"status\":\"down\",\"checks\":[{\"name\":\"upstream:smtp\","
                + "\"status\":\"down\",\"detail\":\"").contains("Connection refused");
    }

    @Test
    void anUpstreamThatGreetsWithARefusalIsDown() throws Exception {
        try (GreetingServer busy = new GreetingServer("554 no service\r\n")) {
            HealthChecks.Result result = run(UpstreamProbe.smtp(group,
                    UpstreamConfig.plain("127.0.0.1", busy.port(), "probe.test"), Duration.ofSeconds(5)));
            assertThat(result.up()).isFalse();
            assertThat(result.detail()).isEqualTo("IOException: the greeting is not 220").doesNotContain("no service");
        }
    }

    @Test
    void aProbeThatDoesNotAnswerInTimeIsDown() {
        try (HealthChecks checks = new HealthChecks(Duration.ofMillis(50), Duration.ZERO, nanos::get)) {
            java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
            checks.register("stuck", () -> {
                never.await();
                return "unreachable";
            });
            HealthChecks.Report report = checks.report();
            assertThat(report.up()).isFalse();
            assertThat(report.checks().get(0).detail()).isEqualTo("no answer within 50 ms");
        }
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        assertThat(request("GET", "/").statusCode()).isEqualTo(404);
        assertThat(request("GET", "/metrics/x").statusCode()).isEqualTo(404);
        HttpResponse<String> post = request("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(request("DELETE", "/health").statusCode()).isEqualTo(405);
    }

    private HealthChecks.Result run(HealthChecks.Probe probe) {
        try (HealthChecks checks = new HealthChecks(Duration.ofSeconds(5), Duration.ZERO, nanos::get)) {
            checks.register("probe", probe);
            return checks.report().checks().get(0);
        }
    }

    /** Accepts connections on loopback and writes one greeting to each; closing stops listening. */
    static final class GreetingServer implements AutoCloseable {
        private final ServerSocket socket;

        GreetingServer(String greeting) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket client = socket.accept(); OutputStream out = client.getOutputStream()) {
                        out.write(greeting.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        client.getInputStream().read(); // until the probe says goodbye or closes
                    } catch (IOException e) {
                        // closed, or the client went away
                    }
                }
            }, "greeting-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
