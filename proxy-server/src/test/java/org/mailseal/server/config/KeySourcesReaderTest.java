package org.mailseal.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.server.keys.AutocryptConfig;
import org.mailseal.server.keys.KeyCacheSettings;
import org.mailseal.server.keys.LdapSettings;
import org.mailseal.server.keys.WkdConfig;

/** {@code keys.sources} and {@code keys.cache}: defaults, the documented example, and every problem with its place. */
class KeySourcesReaderTest {
    private static final String LISTENER = """
            listeners:
              - role: submission
                listen: 127.0.0.1:10587
                authWithoutTls: true
                upstream: {host: 127.0.0.1, port: 25, allowPlaintextAuth: true}
            """;

    @TempDir
    Path dir;

    private MailsealConfig load(String keys) throws Exception {
        Path file = dir.resolve("mailseal.yaml");
        Files.writeString(file, keys + LISTENER);
        return ConfigLoader.load(file);
    }

    @Test
    void withoutSourcesTheKeyHomeIsTheOnlySource() throws Exception {
        MailsealConfig config = load("keys:\n  home: keys\n");
        assertThat(config.keySources()).isEqualTo(KeySourcesConfig.DEFAULTS);
        assertThat(config.keySources().sources()).containsExactly(new KeySourcesConfig.Source.Home());
    }

    @Test
    void theDocumentedExampleReads() throws Exception {
        Files.writeString(dir.resolve("ldap.pw"), "directory-secret\nignored\n");
        Files.writeString(dir.resolve("ldap-ca.pem"), "placeholder: read when the directory is opened\n");
        MailsealConfig config = load("""
                keys:
                  home: keys
                  cache: { expiry: 10m, staleFor: 24h, timeout: 2s }
                  sources:
                    - type: home
                    - type: ldap
                      url: [ldaps://ldap1.example.org, ldaps://ldap2.example.org:1636]
                      trust: ldap-ca.pem
                      bindDn: cn=mailseal,dc=example,dc=org
                      bindPasswordFile: ldap.pw
                      baseDn: ou=people,dc=example,dc=org
                      filter: "(&(objectClass=inetOrgPerson)(mail={0}))"
                      pgpAttributes: [pgpKey]
                      smimeAttributes: ["userCertificate;binary", userSMIMECertificate]
                      responseTimeout: 1500ms
                """);
        KeySourcesConfig sources = config.keySources();
        assertThat(sources.cache()).isEqualTo(new KeyCacheSettings(Duration.ofMinutes(10), Duration.ofHours(24),
                Duration.ofSeconds(2), KeyCacheSettings.DEFAULTS.maximumSize()));
        assertThat(sources.sources()).hasSize(2).first().isEqualTo(new KeySourcesConfig.Source.Home());
        LdapSettings ldap = ((KeySourcesConfig.Source.Ldap) sources.sources().get(1)).settings();
        assertThat(ldap.urls()).containsExactly("ldaps://ldap1.example.org", "ldaps://ldap2.example.org:1636");
        assertThat(ldap.trust()).isEqualTo(dir.resolve("ldap-ca.pem"));
        assertThat(new String(ldap.bindPassword())).isEqualTo("directory-secret");
        assertThat(ldap.filter()).isEqualTo("(&(objectClass=inetOrgPerson)(mail={0}))");
        assertThat(ldap.pgpAttributes()).containsExactly("pgpKey");
        assertThat(ldap.smimeAttributes()).containsExactly("userCertificate;binary", "userSMIMECertificate");
        assertThat(ldap.connectTimeout()).isEqualTo(Duration.ofSeconds(2)); // the cache's timeout by default
        assertThat(ldap.responseTimeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void everyProblemIsReportedWithItsPlace() throws Exception {
        Files.writeString(dir.resolve("ldap.pw"), "secret\n");
        assertThatThrownBy(() -> load("""
                keys:
                  cache: { expiry: 0s, timeout: 5 seconds, size: 3 }
                  sources:
                    - type: home
                    - type: home
                    - type: wkd-typo
                    - type: ldap
                      url: ldap://ldap.example.org
                      bindDn: cn=mailseal,dc=example,dc=org
                      bindPasswordFile: ldap.pw
                      baseDn: not a dn
                      filter: "(mail=x)"
                    - type: ldap
                      url: [ldaps://ldap.example.org, "http://nope"]
                      startTls: true
                      baseDn: dc=example,dc=org
                      pgpAttributes: ["pgp key"]
                      bindDn: cn=mailseal,dc=example,dc=org
                """)).isInstanceOf(ConfigException.class).satisfies(e -> assertThat(((ConfigException) e).problems())
                .containsExactlyInAnyOrder(
                        "keys.cache.size: unknown key (expected one of expiry, staleFor, timeout, maximumSize)",
                        "keys.cache.expiry: 0s is out of range (1s to 7d)",
                        "keys.cache.timeout: '5 seconds' is not a duration like 30s, 5m or 1h",
                        "keys.sources[1]: the key home is listed twice",
                        "keys.sources[2].type: 'wkd-typo' is not one of home, ldap, wkd, autocrypt",
                        "keys.sources[3]: the bind password would cross an unencrypted link; use ldaps://,"
                                + " startTls: true, or allowPlaintextBind: true (explicitly)",
                        "keys.sources[3].baseDn: 'not a dn' is not a distinguished name",
                        "keys.sources[3].filter: needs {0} where the address goes, as in (mail={0})",
                        "keys.sources[4].url: 'http://nope' is not an ldap:// or ldaps:// URL",
                        "keys.sources[4]: bindDn and bindPasswordFile go together (neither for anonymous searches)",
                        "keys.sources[4].pgpAttributes: 'pgp key' is not an attribute name"));
    }

    @Test
    void theSameLdapDirectoryTwiceIsAProblemAnotherBaseOnTheSameServersIsNot() throws Exception {
        assertThatThrownBy(() -> load("""
                keys:
                  sources:
                    - type: ldap
                      url: [ldaps://ldap1.example.org, ldaps://ldap2.example.org]
                      baseDn: ou=people,dc=example,dc=org
                    - type: ldap
                      url: [LDAPS://ldap1.example.org, ldaps://ldap2.example.org]
                      baseDn: OU=People, DC=example, DC=org
                """)).isInstanceOf(ConfigException.class).satisfies(e -> assertThat(((ConfigException) e).problems())
                .containsExactly("keys.sources[1]: the same LDAP directory (url and baseDn) as keys.sources[0]"));
        assertThat(load("""
                keys:
                  sources:
                    - type: ldap
                      url: ldaps://ldap.example.org
                      baseDn: ou=people,dc=example,dc=org
                    - type: ldap
                      url: ldaps://ldap.example.org
                      baseDn: ou=partners,dc=example,dc=org
                """).keySources().sources()).hasSize(2);
    }

    @Test
    void plaintextBindIsAllowedOnlyExplicitlyAndTheSettingsNeverShowThePassword() throws Exception {
        Files.writeString(dir.resolve("ldap.pw"), "directory-secret\n");
        MailsealConfig config = load("""
                keys:
                  sources:
                    - type: ldap
                      url: ldap://127.0.0.1:3389
                      allowPlaintextBind: true
                      bindDn: cn=mailseal,dc=example,dc=org
                      bindPasswordFile: ldap.pw
                      baseDn: dc=example,dc=org
                """);
        assertThat(config.keySources().sources()).singleElement().asString().doesNotContain("directory-secret");
        assertThat(config.keySources().sources()).hasSize(1);
        assertThat(List.of(config.keySources().cache())).containsExactly(KeyCacheSettings.DEFAULTS);
    }

    @Test
    void theDocumentedWkdAndAutocryptExampleReads() throws Exception {
        // Any certificate will do: the reader only checks that the file holds one.
        Files.writeString(dir.resolve("wkd-ca.pem"), SmimeKeys.pem(SmimeKeys.generate("ca@example.org", new Date(),
                Duration.ofDays(1)).certificate()));
        MailsealConfig config = load("""
                keys:
                  sources:
                    - type: home
                    - type: wkd
                      timeout: 3s
                      methods: [advanced, direct]
                      trust: wkd-ca.pem
                      maxResponseBytes: 262144
                    - type: autocrypt
                      staleAfter: 35d
                      maxHeaderBytes: 10240
                      maxPeers: 100000
                """);
        assertThat(config.keySources().sources()).containsExactly(new KeySourcesConfig.Source.Home(),
                new KeySourcesConfig.Source.Wkd(new WkdConfig(Duration.ofSeconds(3), 262144,
                        List.of(WkdConfig.Method.ADVANCED, WkdConfig.Method.DIRECT), dir.resolve("wkd-ca.pem"))),
                new KeySourcesConfig.Source.Autocrypt(AutocryptConfig.DEFAULTS));
    }

    @Test
    void wkdAndAutocryptDefaultsWithTheCachesTimeout() throws Exception {
        MailsealConfig config = load("""
                keys:
                  cache: { timeout: 1500ms }
                  sources: [{type: wkd}, {type: autocrypt}]
                """);
        assertThat(config.keySources().sources()).containsExactly(
                new KeySourcesConfig.Source.Wkd(WkdConfig.DEFAULTS.withTimeout(Duration.ofMillis(1500))),
                new KeySourcesConfig.Source.Autocrypt(AutocryptConfig.DEFAULTS));
        assertThat(load("keys:\n  sources: [{type: wkd, methods: [direct]}]\n").keySources().sources())
                .containsExactly(new KeySourcesConfig.Source.Wkd(new WkdConfig(KeyCacheSettings.DEFAULTS.timeout(),
                        WkdConfig.DEFAULTS.maxResponseBytes(), List.of(WkdConfig.Method.DIRECT), null)));
    }

    @Test
    void everyWkdAndAutocryptProblemIsReportedWithItsPlace() throws Exception {
        Files.writeString(dir.resolve("not-a-ca.pem"), "hello\n");
        assertThatThrownBy(() -> load("""
                keys:
                  sources:
                    - type: wkd
                      timeout: soon
                      methods: [advanced, dns]
                      trust: missing-ca.pem
                      maxResponseBytes: 10
                      max-response-bytes: 262144
                    - type: wkd
                      methods: [direct, direct]
                      trust: not-a-ca.pem
                    - type: WKD
                      methods: advanced
                      timeout: 5m
                    - type: autocrypt
                      stale-after: 35d
                      staleAfter: 12h
                      maxHeaderBytes: big
                      maxPeers: 0
                    - type: autocrypt
                """)).isInstanceOf(ConfigException.class).satisfies(e -> assertThat(((ConfigException) e).problems())
                .containsExactlyInAnyOrder(
                        "keys.sources[0].max-response-bytes: unknown key (expected one of type, timeout, methods,"
                                + " trust, maxResponseBytes)",
                        "keys.sources[0].timeout: 'soon' is not a duration like 30s, 5m or 1h",
                        "keys.sources[0].methods: 'dns' is not one of advanced, direct",
                        "keys.sources[0].trust: file " + dir.resolve("missing-ca.pem")
                                + " does not exist or cannot be read",
                        "keys.sources[0].maxResponseBytes: 10 is out of range (1024 to 16777216)",
                        "keys.sources[1]: the Web Key Directory is listed twice",
                        "keys.sources[1].methods: 'direct' is listed twice",
                        "keys.sources[1].trust: " + dir.resolve("not-a-ca.pem")
                                + " holds no CA certificate (expected PEM, -----BEGIN CERTIFICATE-----)",
                        "keys.sources[2]: the Web Key Directory is listed twice",
                        "keys.sources[2].methods: expected a list of methods, such as [advanced, direct]",
                        "keys.sources[2].timeout: 5m is out of range (100ms to 1m)",
                        "keys.sources[3].stale-after: unknown key (expected one of type, staleAfter, maxHeaderBytes,"
                                + " maxPeers)",
                        "keys.sources[3].staleAfter: 12h is out of range (24h to 3650d)",
                        "keys.sources[3].maxHeaderBytes: expected a whole number",
                        "keys.sources[3].maxPeers: 0 is out of range (1 to 10000000)",
                        "keys.sources[4]: Autocrypt (one store, in the key home) is listed twice"));
    }
}
