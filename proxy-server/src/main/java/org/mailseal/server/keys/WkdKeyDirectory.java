package org.mailseal.server.keys;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyReader;
import org.mailseal.crypto.keys.Addresses;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;

/**
 * Looks keys up in the OpenPGP Web Key Directory of the address's domain (draft-koch-openpgp-webkey-service §3.1):
 * the advanced method at {@code https://openpgpkey.DOMAIN/.well-known/openpgpkey/DOMAIN/hu/HASH?l=LOCAL}, and only
 * when that sub-domain does not exist, the direct method at {@code https://DOMAIN/.well-known/openpgpkey/hu/HASH}.
 * Over HTTPS only, with the configured timeout and size bound. 404 means no key (an empty list); a network error,
 * a timeout, any other status or an unreadable answer is a {@link KeyLookupException}. Only certificates with a
 * valid user ID for exactly the address and an encryption key valid now are returned.
 *
 * <p>One lookup, DNS check and redirects included, keeps within one deadline of the configured timeout: the
 * sub-domain check runs on a small pool of its own and is given up at the deadline (the JDK's resolver cannot be
 * interrupted), each HTTP exchange gets what is left, and at most {@value #MAX_REDIRECTS} redirects are followed.
 *
 * <p>The address's domain becomes a host name in a URL, so it is checked first: only a DNS name of LDH labels (an
 * IDN is converted to its ASCII form), with at least one dot, no port, no IP literal (nor a numeric top label). Any
 * other domain has no key here (an empty list). A redirect is followed only to https, on the default port, to the
 * address's domain or a name under it ({@code openpgpkey.example.org} for {@code example.org}): never to an IP
 * literal or another domain, so a redirect cannot point the lookup at an internal host.
 *
 * <p>Test seams: {@code proxy} routes every connection through an HTTP CONNECT proxy (tests run one on loopback that
 * tunnels {@code openpgpkey.example.org:443} to a local server, so host name, SNI, certificate check and Host header
 * stay real), and {@code hostExists} answers the advanced method's "does the sub-domain exist" question.
 */
public final class WkdKeyDirectory implements KeySource {
    static final String SOURCE = "wkd";
    private static final String ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769";
    private static final int MAX_REDIRECTS = 3;
    /** Sub-domain checks in flight at once; beyond that a lookup fails at once instead of waiting on the DNS. */
    private static final int MAX_DNS_CHECKS = 8;

    private final WkdConfig config;
    private final HttpClient client;
    private final Predicate<String> hostExists;
    private final Clock clock;
    private final ThreadPoolExecutor dnsChecks;

    /** Production wiring: the JDK's (or the configured PEM) trust, the system proxy settings, DNS. */
    public WkdKeyDirectory(WkdConfig config) {
        this(config, sslContext(config), ProxySelector.getDefault(), WkdKeyDirectory::resolves, Clock.systemUTC());
    }

    /**
     * @param proxy      null for direct connections
     * @param hostExists whether a host name exists in the DNS (the advanced method's fallback rule)
     */
    public WkdKeyDirectory(WkdConfig config, SSLContext sslContext, ProxySelector proxy, Predicate<String> hostExists,
                           Clock clock) {
        this.config = config;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER) // followed by hand, to https only
                .sslContext(sslContext);
        if (proxy != null) {
            builder.proxy(proxy);
        }
        this.client = builder.build();
        this.hostExists = hostExists;
        this.clock = clock;
        this.dnsChecks = new ThreadPoolExecutor(0, MAX_DNS_CHECKS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "mailseal-wkd-dns");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    public void close() {
        dnsChecks.shutdownNow();
    }

    @Override
    public String name() {
        return SOURCE;
    }

    /**
     * Nothing to ask: every domain is its own directory, and asking one that does not exist (the probe address's)
     * would only ever fail. A domain whose directory is down shows as failed lookups for its addresses.
     */
    @Override
    public void probe() {
    }

    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        String trimmed = address.trim();
        int at = trimmed.lastIndexOf('@');
        if (at <= 0 || at == trimmed.length() - 1) {
            return List.of();
        }
        String localPart = trimmed.substring(0, at);
        String domain = hostName(trimmed.substring(at + 1));
        if (domain == null) {
            return List.of(); // not a DNS name: no directory to ask, and nothing to put in a URL
        }
        String query = "l=" + percentEncoded(localPart);
        String path = "/hu/" + hashedLocalPart(localPart);
        for (WkdConfig.Method method : config.methods()) {
            switch (method) {
                case ADVANCED -> {
                    String host = "openpgpkey." + domain;
                    // "Only if the required sub-domain does not exist" may the direct method follow (§3.1): an
                    // advanced host that fails in any other way is an error, not a reason to ask elsewhere.
                    if (exists(host, deadline)) {
                        return keys(url(host, "/.well-known/openpgpkey/" + domain + path, query), domain, trimmed,
                                deadline);
                    }
                }
                case DIRECT -> {
                    return keys(url(domain, "/.well-known/openpgpkey" + path, query), domain, trimmed, deadline);
                }
            }
        }
        return List.of();
    }

    /**
     * The domain as an ASCII DNS host name in lower case, or null when it is not one: LDH labels of 1 to 63
     * characters, not starting or ending with a hyphen, at least two of them, at most 253 characters, a top label
     * that is not all digits (so no IPv4 literal), and nothing else (no port, no brackets, no path, no space).
     */
    static String hostName(String domain) {
        String ascii;
        try {
            ascii = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (ascii.isEmpty() || ascii.length() > 253) {
            return null;
        }
        String[] labels = ascii.split("\\.", -1);
        if (labels.length < 2 || labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
                    || !label.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return null;
            }
        }
        return ascii;
    }

    /** https://host/path?query, the host a checked name, the query already percent-encoded. */
    private static URI url(String host, String path, String query) {
        try {
            URI base = new URI("https", host, path, null);
            URI full = URI.create(base.toASCIIString() + "?" + query);
            if (!host.equals(full.getHost()) || full.getPort() != -1) {
                throw new IllegalStateException("the WKD URL for " + host + " does not name that host");
            }
            return full;
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no WKD URL for " + host, e);
        }
    }

    /** Whether the host exists, asked off this thread and given up at the deadline (the resolver may never answer). */
    private boolean exists(String host, long deadline) {
        CompletableFuture<Boolean> check;
        try {
            check = CompletableFuture.supplyAsync(() -> hostExists.test(host), dnsChecks);
        } catch (RejectedExecutionException e) {
            throw new KeyLookupException(SOURCE, "too many DNS checks waiting for an answer", e);
        }
        try {
            return check.get(remaining(deadline, host), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            check.cancel(true);
            throw new KeyLookupException(SOURCE, "no DNS answer for " + host + " within " + config.timeout(), e);
        } catch (InterruptedException e) {
            check.cancel(true);
            Thread.currentThread().interrupt();
            throw new KeyLookupException(SOURCE, "interrupted while asking the DNS for " + host, e);
        } catch (ExecutionException e) {
            throw new KeyLookupException(SOURCE, "DNS check for " + host + " failed: "
                    + e.getCause().getClass().getSimpleName(), e.getCause());
        }
    }

    /** Nanoseconds left before the deadline; none left is a time-out. */
    private long remaining(long deadline, String host) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new KeyLookupException(SOURCE, "no answer from " + host + " within " + config.timeout());
        }
        return left;
    }

    private List<RecipientKey> keys(URI uri, String domain, String address, long deadline) {
        byte[] body = fetch(uri, domain, MAX_REDIRECTS, deadline);
        if (body == null) {
            return List.of();
        }
        List<OpenPGPCertificate> certificates;
        try {
            certificates = new OpenPGPKeyReader().parseCertificates(body);
        } catch (IOException | RuntimeException e) {
            throw new KeyLookupException(SOURCE, "unreadable key data from " + uri.getHost(), e);
        }
        if (certificates.isEmpty()) {
            throw new KeyLookupException(SOURCE, "no OpenPGP certificate in the answer from " + uri.getHost());
        }
        String wanted = Addresses.normalize(address);
        Date now = Date.from(clock.instant());
        List<RecipientKey> keys = new ArrayList<>();
        for (OpenPGPCertificate certificate : certificates) {
            if (certificate instanceof OpenPGPKey || !PgpKeys.addresses(certificate, now).contains(wanted)) {
                continue; // the draft: a key is only for the address its user ID names
            }
            RecipientKey.Pgp key = PgpKeys.recipientKey(wanted, certificate, now);
            if (key != null) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** The body of a 200 answer, or null for 404/410; anything else throws. */
    private byte[] fetch(URI uri, String domain, int redirectsLeft, long deadline) {
        long left = remaining(deadline, uri.getHost());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(left))
                .header("Accept", "application/octet-stream").GET().build();
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request,
                info -> info.statusCode() == 200 ? new BoundedBody(config.maxResponseBytes())
                        : HttpResponse.BodySubscribers.replacing(null));
        HttpResponse<byte[]> response;
        try {
            // One deadline for headers and body: the request timeout alone stops at the headers.
            response = exchange.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new KeyLookupException(SOURCE, "no answer from " + uri.getHost() + " within " + config.timeout(), e);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new KeyLookupException(SOURCE, "interrupted while asking " + uri.getHost(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String what = cause instanceof BoundedBody.TooLarge ? cause.getMessage() : cause.getClass().getSimpleName();
            throw new KeyLookupException(SOURCE, "lookup at " + uri.getHost() + " failed: " + what, cause);
        }
        int status = response.statusCode();
        if (status == 200) {
            return response.body();
        }
        if (status == 404 || status == 410) {
            return null;
        }
        if (isRedirect(status) && redirectsLeft > 0) {
            URI target = response.headers().firstValue("Location").map(uri::resolve).orElse(null);
            if (target == null || !"https".equalsIgnoreCase(target.getScheme())) {
                throw new KeyLookupException(SOURCE, "redirect from " + uri.getHost() + " is not to https");
            }
            if (!withinDomain(target, domain)) {
                throw new KeyLookupException(SOURCE, "redirect from " + uri.getHost()
                        + " leaves " + domain + " (refused: only names under the address's domain, default port)");
            }
            return fetch(target, domain, redirectsLeft - 1, deadline);
        }
        throw new KeyLookupException(SOURCE, "HTTP " + status + " from " + uri.getHost());
    }

    /** A redirect target on the domain or a name under it, the default port, no user info; never an IP literal. */
    static boolean withinDomain(URI target, String domain) {
        String raw = target.getRawAuthority();
        if (raw == null || target.getRawUserInfo() != null || target.getHost() == null
                || (target.getPort() != -1 && target.getPort() != 443)) {
            return false;
        }
        String host = hostName(target.getHost());
        return host != null && (host.equals(domain) || host.endsWith("." + domain));
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /**
     * The draft's hashed local-part: upper-case ASCII mapped to lower case (nothing else), SHA-1 over the UTF-8
     * bytes, Z-Base-32 (RFC 6189 §5.1.6) of the 160-bit digest: 32 characters.
     */
    static String hashedLocalPart(String localPart) {
        StringBuilder lowered = new StringBuilder(localPart.length());
        for (char c : localPart.toCharArray()) {
            lowered.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-1").digest(lowered.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1 in this JDK", e);
        }
        return zBase32(digest);
    }

    static String zBase32(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ZBASE32.charAt((buffer >> (bits - 5)) & 0x1f));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ZBASE32.charAt((buffer << (5 - bits)) & 0x1f));
        }
        return out.toString();
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters. */
    static String percentEncoded(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static boolean resolves(String host) {
        try {
            InetAddress.getAllByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The JDK's default context, or one trusting only the CA certificates in the configured PEM file. */
    static SSLContext sslContext(WkdConfig config) {
        try {
            if (config.trust() == null) {
                return SSLContext.getDefault();
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            try (InputStream in = Files.newInputStream(config.trust())) {
                int i = 0;
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("ca-" + i++, certificate);
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the wkd trust file " + config.trust(), e);
        }
    }
}
