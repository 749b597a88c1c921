package org.mailseal.server.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.KeyFingerprints;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;

/** WKD lookups against an HTTPS server on loopback, reached through a CONNECT proxy under the real host names. */
@Timeout(60)
class WkdKeyDirectoryTest {
    private static final String ADDRESS = "Joe.Doe@Example.ORG";
    private static final String HASH = "iy9q119eutrkn8s1mk4r39qejnbu3n5q";
    private static final String ADVANCED = "/.well-known/openpgpkey/example.org/hu/" + HASH;
    private static final String DIRECT = "/.well-known/openpgpkey/hu/" + HASH;

    static LoopbackTls tls;
    static OpenPGPKey joe;
    static OpenPGPKey joeElsewhere;
    static OpenPGPKey impostor;

    HttpsServer server;
    TunnelProxy proxy;
    final Map<String, byte[]> served = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final Set<String> existingHosts = ConcurrentHashMap.newKeySet();
    /** Every host the directory asked the DNS about. */
    final List<String> dnsQuestions = new CopyOnWriteArrayList<>();
    /** Host and path to the Location a 302 answer gives. */
    final Map<String, String> redirects = new ConcurrentHashMap<>();

    @BeforeAll
    static void keys() throws Exception {
        tls = new LoopbackTls("openpgpkey.example.org", "example.org");
        Date now = new Date();
        joe = PgpKeys.generate("joe.doe@example.org", KeyAlgorithm.CV25519, "pw".toCharArray(), now, false);
        joeElsewhere = PgpKeys.generate("joe.doe@example.org", KeyAlgorithm.CV25519, "pw".toCharArray(), now, false);
        impostor = PgpKeys.generate("mallory@example.org", KeyAlgorithm.CV25519, "pw".toCharArray(), now, false);
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.server));
        server.createContext("/", this::answer);
        server.start();
        proxy = new TunnelProxy()
                .route("openpgpkey.example.org:443", server.getAddress().getPort())
                .route("example.org:443", server.getAddress().getPort());
    }

    @AfterEach
    void stop() throws IOException {
        server.stop(0);
        proxy.close();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String host = exchange.getRequestHeaders().getFirst("Host");
        requests.add(host + " " + exchange.getRequestURI());
        byte[] body = served.get(host + exchange.getRequestURI().getPath());
        String location = redirects.get(host + exchange.getRequestURI().getPath());
        if (location != null) {
            exchange.getResponseHeaders().add("Location", location);
            exchange.sendResponseHeaders(302, -1);
        } else if (body == null) {
            exchange.sendResponseHeaders(404, -1);
        } else if (body.length == 3 && new String(body).matches("\\d{3}")) {
            exchange.getResponseHeaders().add("Location", "http://example.org" + DIRECT);
            exchange.sendResponseHeaders(Integer.parseInt(new String(body)), -1);
        } else {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private WkdKeyDirectory directory(WkdConfig config) {
        return new WkdKeyDirectory(config, tls.client, proxy.selector(), host -> {
            dnsQuestions.add(host);
            return existingHosts.contains(host);
        }, Clock.systemUTC());
    }

    private WkdKeyDirectory directory() {
        return directory(WkdConfig.DEFAULTS);
    }

    private static byte[] binary(OpenPGPKey key) throws IOException {
        return key.toCertificate().getEncoded(PacketFormat.CURRENT);
    }

    private static List<String> fingerprints(List<RecipientKey> keys) {
        return keys.stream().map(RecipientKey::fingerprint).toList();
    }

    @Test
    void hashOfTheDraftsExample() {
        // draft-koch-openpgp-webkey-service §3.1: Joe.Doe@Example.ORG -> .../hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe
        assertThat(WkdKeyDirectory.hashedLocalPart("Joe.Doe")).isEqualTo(HASH);
        assertThat(WkdKeyDirectory.percentEncoded("Joe.Doe")).isEqualTo("Joe.Doe");
        assertThat(WkdKeyDirectory.percentEncoded("a+b é")).isEqualTo("a%2Bb%20%C3%A9");
    }

    @Test
    void directMethodWhenTheSubDomainDoesNotExist() throws Exception {
        served.put("example.org" + DIRECT, binary(joe));
        assertThat(fingerprints(directory().encryptionKeys(ADDRESS)))
                .containsExactly(KeyFingerprints.hex(joe.getFingerprint()));
        assertThat(requests).containsExactly("example.org " + DIRECT + "?l=Joe.Doe");
    }

    @Test
    void advancedMethodFirstWhenTheSubDomainExists() throws Exception {
        existingHosts.add("openpgpkey.example.org");
        served.put("openpgpkey.example.org" + ADVANCED, binary(joe));
        served.put("example.org" + DIRECT, binary(joeElsewhere));
        List<RecipientKey> keys = directory().encryptionKeys(ADDRESS);
        assertThat(fingerprints(keys)).containsExactly(KeyFingerprints.hex(joe.getFingerprint()));
        assertThat(keys.get(0).address()).isEqualTo("joe.doe@example.org");
        assertThat(requests).containsExactly("openpgpkey.example.org " + ADVANCED + "?l=Joe.Doe");
    }

    @Test
    void anExistingSubDomainWithoutTheKeyIsNoKeyNotAFallback() throws Exception {
        existingHosts.add("openpgpkey.example.org");
        served.put("example.org" + DIRECT, binary(joe));
        assertThat(directory().encryptionKeys(ADDRESS)).isEmpty();
        assertThat(requests).containsExactly("openpgpkey.example.org " + ADVANCED + "?l=Joe.Doe");
    }

    @Test
    void onlyTheConfiguredMethods() throws Exception {
        existingHosts.add("openpgpkey.example.org");
        served.put("example.org" + DIRECT, binary(joe));
        WkdConfig directOnly = new WkdConfig(Duration.ofSeconds(3), 1 << 18, List.of(WkdConfig.Method.DIRECT), null);
        assertThat(directory(directOnly).encryptionKeys(ADDRESS)).hasSize(1);
    }

    @Test
    void notFoundIsNoKey() {
        assertThat(directory().encryptionKeys(ADDRESS)).isEmpty();
        assertThat(directory().encryptionKeys("not-an-address")).isEmpty();
    }

    @Test
    void aKeyForAnotherUserIdIsNotTaken() throws Exception {
        served.put("example.org" + DIRECT, binary(impostor));
        assertThat(directory().encryptionKeys(ADDRESS)).isEmpty();
    }

    @Test
    void ofSeveralKeysOnlyTheOnesForTheAddress() throws Exception {
        byte[] both = concat(binary(impostor), binary(joe));
        served.put("example.org" + DIRECT, both);
        assertThat(fingerprints(directory().encryptionKeys(ADDRESS)))
                .containsExactly(KeyFingerprints.hex(joe.getFingerprint()));
    }

    @Test
    void anOversizedAnswerIsAnError() throws Exception {
        served.put("example.org" + DIRECT, new byte[4096]);
        assertThatThrownBy(() -> directory(WkdConfig.DEFAULTS.withMaxResponseBytes(1024)).encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("wkd").hasMessageContaining("larger");
    }

    @Test
    void garbageIsAnError() {
        served.put("example.org" + DIRECT, "<html>hello</html>".getBytes());
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS)).isInstanceOf(KeyLookupException.class);
    }

    @Test
    void aServerErrorIsAnErrorNotAMiss() {
        served.put("example.org" + DIRECT, "503".getBytes());
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("HTTP 503");
    }

    @Test
    void aRedirectToPlainHttpIsRefused() {
        served.put("example.org" + DIRECT, "302".getBytes());
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("not to https");
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            proxy.route("example.org:443", silent.getLocalPort()); // the kernel accepts; nobody ever answers
            assertThatThrownBy(() -> directory(WkdConfig.DEFAULTS.withTimeout(Duration.ofMillis(500)))
                    .encryptionKeys(ADDRESS))
                    .isInstanceOf(KeyLookupException.class).hasMessageContaining("wkd");
        }
    }

    @Test
    void aServerThatIsDownIsAnError() throws Exception {
        int closed;
        try (ServerSocket gone = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closed = gone.getLocalPort();
        }
        proxy.route("example.org:443", closed);
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("wkd");
    }

    @Test
    void anUntrustedCertificateIsAnError() throws Exception {
        LoopbackTls other = new LoopbackTls("example.org");
        WkdKeyDirectory untrusting = new WkdKeyDirectory(WkdConfig.DEFAULTS, other.client, proxy.selector(),
                existingHosts::contains, Clock.systemUTC());
        served.put("example.org" + DIRECT, binary(joe));
        assertThatThrownBy(() -> untrusting.encryptionKeys(ADDRESS)).isInstanceOf(KeyLookupException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x@10.0.0.5:8443#", "x@[127.0.0.1]", "x@localhost", "x@exa mple.org", "x@10.0.0.5",
            "x@example.org:8443", "x@example.org/evil?", "x@-bad.example", "x@a..example"})
    void aDomainThatIsNotADnsNameHasNoKeyAndNothingIsAsked(String address) {
        assertThat(directory().encryptionKeys(address)).isEmpty();
        assertThat(requests).isEmpty();
        assertThat(dnsQuestions).isEmpty();
    }

    @Test
    void anInternationalDomainIsAskedUnderItsAsciiName() {
        // No route to it in the test's proxy: the lookup fails, after asking for the right names.
        assertThatThrownBy(() -> directory().encryptionKeys("x@bücher.example"))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("xn--bcher-kva.example");
        assertThat(dnsQuestions).containsExactly("openpgpkey.xn--bcher-kva.example");
    }

    @Test
    void aRedirectToAnIpLiteralIsRefused() {
        redirects.put("example.org" + DIRECT, "https://127.0.0.1:" + server.getAddress().getPort() + DIRECT);
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("leaves example.org");
        assertThat(requests).hasSize(1);
    }

    @Test
    void aRedirectToAnotherDomainOrPortIsRefusedAndOneWithinTheDomainFollowed() throws Exception {
        redirects.put("example.org" + DIRECT, "https://internal.example:443" + DIRECT);
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("leaves example.org");
        redirects.put("example.org" + DIRECT, "https://example.org:8443" + DIRECT);
        assertThatThrownBy(() -> directory().encryptionKeys(ADDRESS))
                .isInstanceOf(KeyLookupException.class).hasMessageContaining("leaves example.org");

        redirects.put("example.org" + DIRECT, "https://openpgpkey.example.org" + ADVANCED);
        served.put("openpgpkey.example.org" + ADVANCED, binary(joe));
        assertThat(fingerprints(directory().encryptionKeys(ADDRESS)))
                .containsExactly(KeyFingerprints.hex(joe.getFingerprint()));
    }

    @Test
    @Timeout(20)
    void aDnsThatNeverAnswersEndsTheLookupAtTheTimeout() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        WkdKeyDirectory hung = new WkdKeyDirectory(WkdConfig.DEFAULTS.withTimeout(Duration.ofMillis(200)), tls.client,
                proxy.selector(), host -> {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return false;
                }, Clock.systemUTC());
        try {
            assertThatThrownBy(() -> hung.encryptionKeys(ADDRESS))
                    .isInstanceOf(KeyLookupException.class).hasMessageContaining("no DNS answer");
        } finally {
            never.countDown();
            hung.close();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
