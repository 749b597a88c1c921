package org.mailseal.server.keys;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPSearchException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.OperationType;
import com.unboundid.ldap.sdk.PostConnectProcessor;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldap.sdk.StartTLSPostConnectProcessor;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKeyReader;
import org.mailseal.crypto.keys.Addresses;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.SmimeKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recipients' keys from an LDAP directory (UnboundID LDAP SDK): one subtree search per address with the configured
 * filter, the address escaped as an assertion value (RFC 4515 section 3), so that an address can never widen the
 * search. Of what the entries hold, only keys valid now and bound to the address are kept, checked as the key home
 * checks its own ({@link PgpKeys#recipientKeyFor}, {@link SmimeKeys#recipientKeyFor}); an entry found by its
 * {@code mail} attribute cannot lend its key to another address.
 *
 * <p>Connections come from a pool with connect and response time-outs; a directory that is down when mailseal
 * starts is no error (the pool connects when asked). TLS (ldaps or StartTLS) checks the server's name against its
 * certificate. Failures surface as runtime exceptions, for {@link CachedKeySource} to turn into
 * {@link KeyLookupException}.
 */
public final class LdapKeyDirectory implements KeySource {
    private static final Logger LOG = LoggerFactory.getLogger(LdapKeyDirectory.class);
    /** Entries per search: an address is meant to find one person, a few at most. */
    private static final int SIZE_LIMIT = 16;

    private final LdapSettings settings;
    private final LDAPConnectionPool pool;
    private final Clock clock;
    private final String name;

    private LdapKeyDirectory(LdapSettings settings, LDAPConnectionPool pool, Clock clock) {
        this.settings = settings;
        this.pool = pool;
        this.clock = clock;
        this.name = "ldap " + String.join(",", settings.urls());
    }

    /**
     * Sets up the pool; it connects lazily, so a directory that is down now is not an error here.
     *
     * @throws LDAPException            a URL is malformed
     * @throws GeneralSecurityException the trusted certificates cannot be loaded
     */
    public static LdapKeyDirectory open(LdapSettings settings, Clock clock) throws LDAPException, GeneralSecurityException {
        SSLUtil ssl = new SSLUtil(settings.trust() == null ? JVMDefaultTrustManager.getInstance()
                : new PEMFileTrustManager(settings.trust().toFile()));
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) settings.connectTimeout().toMillis());
        options.setResponseTimeoutMillis(settings.responseTimeout().toMillis());
        options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        List<ServerSet> servers = new ArrayList<>();
        for (String text : settings.urls()) {
            LDAPURL url = new LDAPURL(text);
            SocketFactory sockets = "ldaps".equalsIgnoreCase(url.getScheme()) ? ssl.createSSLSocketFactory() : null;
            servers.add(new SingleServerSet(url.getHost(), url.getPort(), sockets, options));
        }
        ServerSet serverSet = servers.size() == 1 ? servers.get(0) : new FailoverServerSet(servers);
        PostConnectProcessor startTls = null;
        if (settings.startTls()) {
            SSLContext context = ssl.createSSLContext();
            startTls = new StartTLSPostConnectProcessor(context);
        }
        BindRequest bind = null;
        if (settings.bindDn() != null) {
            bind = new SimpleBindRequest(settings.bindDn(), utf8(settings.bindPassword()));
        }
        LDAPConnectionPool pool = new LDAPConnectionPool(serverSet, bind, 0, settings.maxConnections(), startTls, false);
        pool.setConnectionPoolName("mailseal-keys");
        // A server restart leaves dead connections in the pool: a search on one is retried once on a new connection.
        pool.setRetryFailedOperationsDueToInvalidConnections(Set.of(OperationType.SEARCH));
        return new LdapKeyDirectory(settings, pool, clock);
    }

    private static byte[] utf8(char[] password) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password == null ? new char[0] : password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Arrays.fill(encoded.array(), (byte) 0);
        return bytes;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * @throws IllegalStateException the directory could not be searched (down, refused, bind failed)
     */
    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        String wanted = Addresses.normalize(address);
        Date now = Date.from(clock.instant());
        Map<String, RecipientKey> keys = new LinkedHashMap<>();
        for (SearchResultEntry entry : entries(wanted)) {
            Stream.concat(
                    values(entry, settings.pgpAttributes()).flatMap(value -> pgpCertificates(value, entry.getDN()).stream())
                            .map(certificate -> PgpKeys.recipientKeyFor(wanted, certificate, now)),
                    values(entry, settings.smimeAttributes())
                            .flatMap(value -> smimeCertificates(value, entry.getDN()).stream())
                            .map(certificate -> SmimeKeys.recipientKeyFor(wanted, certificate, now)))
                    .filter(Objects::nonNull)
                    .forEach(key -> keys.putIfAbsent(key.fingerprint(), key)); // one key held under two attributes
        }
        return List.copyOf(keys.values());
    }

    /** The entries the filter finds for an address (package-private: tests check that escaping holds). */
    List<SearchResultEntry> entries(String address) {
        List<String> attributes = new ArrayList<>(settings.pgpAttributes());
        attributes.addAll(settings.smimeAttributes());
        try {
            SearchRequest request = new SearchRequest(settings.baseDn(), SearchScope.SUB, filter(address),
                    attributes.toArray(String[]::new));
            request.setSizeLimit(SIZE_LIMIT);
            request.setTimeLimitSeconds((int) Math.max(1, settings.responseTimeout().toSeconds()));
            request.setResponseTimeoutMillis(settings.responseTimeout().toMillis());
            return pool.search(request).getSearchEntries();
        } catch (LDAPSearchException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                return e.getSearchEntries(); // what came before the limit is as good as any
            }
            throw failed(e);
        } catch (LDAPException e) {
            throw failed(e);
        }
    }

    /** The configured filter with the address as an escaped assertion value. */
    Filter filter(String address) throws LDAPException {
        return Filter.create(settings.filter().replace("{0}", Filter.encodeValue(address)));
    }

    private static IllegalStateException failed(LDAPException e) {
        String diagnostic = e.getDiagnosticMessage();
        return new IllegalStateException("LDAP search failed: " + e.getResultCode()
                + (diagnostic == null || diagnostic.isBlank() ? "" : " (" + diagnostic + ")"), e);
    }

    /** Values of an attribute in any of its option forms ({@code userCertificate} and {@code userCertificate;binary}). */
    /** The values of all these attributes of an entry. */
    private static Stream<byte[]> values(SearchResultEntry entry, List<String> attributes) {
        return attributes.stream().flatMap(attribute -> values(entry, attribute).stream());
    }

    private static List<byte[]> values(SearchResultEntry entry, String attribute) {
        int semicolon = attribute.indexOf(';');
        String base = semicolon < 0 ? attribute : attribute.substring(0, semicolon);
        List<byte[]> values = new ArrayList<>();
        for (Attribute found : entry.getAttributesWithOptions(base, null)) {
            values.addAll(Arrays.asList(found.getValueByteArrays()));
        }
        return values;
    }

    private static List<OpenPGPCertificate> pgpCertificates(byte[] value, String dn) {
        try {
            return new OpenPGPKeyReader().parseCertificates(value);
        } catch (IOException | RuntimeException e) {
            LOG.debug("ignoring an unreadable OpenPGP certificate in {}", dn);
            return List.of();
        }
    }

    private static List<X509Certificate> smimeCertificates(byte[] value, String dn) {
        try {
            return SmimeKeys.parseCertificates(value);
        } catch (CertificateException | RuntimeException e) {
            LOG.debug("ignoring an unreadable X.509 certificate in {}", dn);
            return List.of();
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
