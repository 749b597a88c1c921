package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's acceptance for metrics and health: after a session on each protocol through the demo (Python's smtplib,
 * imaplib and poplib against mailseal in front of GreenMail), {@code curl}'s view of {@code /metrics} shows the
 * work of each protocol, and {@code /health} turns unhealthy when the mail server stops.
 */
class DemoMetricsTest {
    @TempDir
    static Path home;
    static Demo demo;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        demo = Demo.start(home, DemoPorts.freeBase());
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + demo.adminAddress().getPort() + path);
        return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample of this meter whose labels include all of these ({@code name="value"}). */
    private static double sample(String scrape, String meter, String... labels) {
        return scrape.lines()
                .filter(line -> line.startsWith(meter + "{"))
                .filter(line -> Arrays.stream(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(meter + " " + Arrays.toString(labels) + " not in\n" + scrape));
    }

    @Test
    void aSessionOnEachProtocolShowsInTheMetricsAndStoppingTheMailServerInHealth() throws Exception {
        Clients.sendLaunchPlans(demo, "The launch date is the 3rd.\n", false);
        Clients.python("""
                import imaplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); c.starttls(ssl_context=ctx)
                c.login("bob@demo.test", "bob-pw"); c.select("INBOX")
                print(b"launch date" in c.fetch("1", "(BODY.PEEK[])")[1][0][1]); c.logout()
                """, String.valueOf(demo.ports().imap()));
        String pop3 = Clients.python("""
                import poplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                p = poplib.POP3("127.0.0.1", int(sys.argv[1])); p.stls(context=ctx)
                p.user("carol@demo.test"); p.pass_("carol-pw")
                print(b"launch date" in b"\\r\\n".join(p.retr(1)[1])); p.quit()
                """, String.valueOf(demo.ports().pop3()));
        assertThat(pop3).contains("True");

        String scrape = Clients.run("curl", "-sS", "http://127.0.0.1:" + demo.adminAddress().getPort() + "/metrics");
        assertThat(scrape).endsWith("exit 0");
        assertThat(sample(scrape, "mailseal_messages_relayed_total", "role=\"submission\"")).isEqualTo(1);
        assertThat(sample(scrape, "mailseal_messages_encrypted_total", "protocol=\"smtp\"", "format=\"pgp\"")).isEqualTo(1);
        assertThat(sample(scrape, "mailseal_messages_encrypted_total", "protocol=\"smtp\"", "format=\"smime\"")).isEqualTo(1);
        assertThat(sample(scrape, "mailseal_messages_decrypted_total", "protocol=\"imap\"", "format=\"pgp\"")).isPositive();
        assertThat(sample(scrape, "mailseal_messages_decrypted_total", "protocol=\"pop3\"", "format=\"smime\"")).isPositive();
        assertThat(sample(scrape, "mailseal_decrypt_failures_total", "protocol=\"imap\"")).isZero();
        assertThat(sample(scrape, "mailseal_key_lookups_seconds_count", "result=\"found\"")).isPositive();
        assertThat(sample(scrape, "cache_gets_total", "cache=\"keys:home\"", "result=\"miss\"")).isPositive();
        for (String protocol : new String[] {"smtp", "imap", "pop3"}) {
            String tag = "protocol=\"" + protocol + "\"";
            assertThat(sample(scrape, "mailseal_sessions_total", tag)).as(protocol).isPositive();
            assertThat(sample(scrape, "mailseal_bytes_total", tag, "direction=\"in\"")).as(protocol).isPositive();
            assertThat(sample(scrape, "mailseal_bytes_total", tag, "direction=\"out\"")).as(protocol).isPositive();
        }
        assertThat(sample(scrape, "mailseal_decrypt_cache_entries", "protocol=\"imap\"")).isPositive();
        assertThat(sample(scrape, "mailseal_decrypt_cache_bytes", "protocol=\"pop3\"")).isPositive();

        HttpResponse<String> healthy = get("/health");
        assertThat(healthy.statusCode()).as(healthy.body()).isEqualTo(200);
        int smtp = demo.ports().upstreamSmtp();
        assertThat(healthy.body()).contains("\"name\":\"keys:home\",\"status\":\"up\"")
                .contains("\"name\":\"upstream:smtp:127.0.0.1:" + smtp + "\",\"status\":\"up\"")
                .contains("\"name\":\"upstream:imap:127.0.0.1:" + demo.ports().upstreamImap() + "\",\"status\":\"up\"")
                .contains("\"name\":\"upstream:pop3:127.0.0.1:" + demo.ports().upstreamPop3() + "\",\"status\":\"up\"");

        demo.mailServer().stop();
        // The last report answers for a second; then the probes find nobody listening.
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/health").statusCode() == 503);
        assertThat(get("/health").body()).startsWith("{\"status\":\"down\"")
                .contains("\"name\":\"keys:home\",\"status\":\"up\"")
                .contains("\"name\":\"upstream:smtp:127.0.0.1:" + smtp + "\",\"status\":\"down\"")
                .doesNotContain("\"status\":\"up\",\"detail\":\"greeting");
    }
}
