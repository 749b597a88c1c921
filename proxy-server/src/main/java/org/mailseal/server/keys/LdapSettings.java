package org.mailseal.server.keys;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where and how {@link LdapKeyDirectory} looks keys up.
 *
 * @param urls            {@code ldap://} or {@code ldaps://} URLs of equivalent servers, tried in order (fail-over)
 * @param startTls        upgrade {@code ldap://} connections with StartTLS before binding (RFC 4513 section 3)
 * @param trust           a PEM file of the CA certificates to trust; null for the JDK's trust store. Never trust-all
 * @param bindDn          null for anonymous searches
 * @param bindPassword    the bind password (read from a file); null for anonymous. Never logged
 * @param filter          a search filter with {@code {0}} where the address goes, RFC 4515-escaped
 * @param pgpAttributes   attributes holding OpenPGP certificates, binary or ASCII-armored
 * @param smimeAttributes attributes holding DER X.509 certificates, such as {@code userCertificate;binary}
 */
public record LdapSettings(List<String> urls, boolean startTls, Path trust, String bindDn, char[] bindPassword,
                           String baseDn, String filter, List<String> pgpAttributes, List<String> smimeAttributes,
                           Duration connectTimeout, Duration responseTimeout, int maxConnections) {
    public static final String DEFAULT_FILTER = "(mail={0})";
    public static final List<String> DEFAULT_PGP_ATTRIBUTES = List.of("pgpKey", "pgpCertificate");
    public static final List<String> DEFAULT_SMIME_ATTRIBUTES = List.of("userCertificate;binary");

    public LdapSettings {
        urls = List.copyOf(urls);
        pgpAttributes = List.copyOf(pgpAttributes);
        smimeAttributes = List.copyOf(smimeAttributes);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one LDAP URL is needed");
        }
        if (!filter.contains("{0}")) {
            throw new IllegalArgumentException("the filter needs {0} where the address goes");
        }
    }

    /** No password: records print their components, and this one must never reach a log. */
    @Override
    public String toString() {
        return "LdapSettings[urls=" + urls + ", startTls=" + startTls + ", bindDn=" + bindDn + ", baseDn=" + baseDn
                + ", filter=" + filter + "]";
    }
}
