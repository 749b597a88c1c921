package org.mailseal.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.server.keys.KeyCacheSettings;
import org.mailseal.server.keys.LdapSettings;

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
                        "keys.sources[2].type: 'wkd-typo' is not one of home, ldap",
                        "keys.sources[3]: the bind password would cross an unencrypted link; use ldaps://,"
                                + " startTls: true, or allowPlaintextBind: true (explicitly)",
                        "keys.sources[3].baseDn: 'not a dn' is not a distinguished name",
                        "keys.sources[3].filter: needs {0} where the address goes, as in (mail={0})",
                        "keys.sources[4].url: 'http://nope' is not an ldap:// or ldaps:// URL",
                        "keys.sources[4]: bindDn and bindPasswordFile go together (neither for anonymous searches)",
                        "keys.sources[4].pgpAttributes: 'pgp key' is not an attribute name"));
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
}
