package org.mailseal.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mailseal.server.keys.AutocryptConfig;
import org.mailseal.server.keys.KeyCacheSettings;
import org.mailseal.server.keys.LdapSettings;
import org.mailseal.server.keys.WkdConfig;

/**
 * Reads {@code keys.cache} and {@code keys.sources} for {@link ConfigLoader}, recording problems through it with
 * their place ({@code keys.sources[1].url: ...}). Each source {@code type} has its own reader below.
 */
final class KeySourcesReader {
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

    private final ConfigLoader loader;

    KeySourcesReader(ConfigLoader loader) {
        this.loader = loader;
    }

    /** The sources under {@code keys} (a missing node gives the defaults); never null. */
    KeySourcesConfig read(JsonNode keys) {
        KeyCacheSettings cache = cache(keys.path("cache"), "keys.cache");
        JsonNode list = keys.path("sources");
        if (list.isMissingNode()) {
            return new KeySourcesConfig(cache, KeySourcesConfig.DEFAULTS.sources());
        }
        if (!list.isArray() || list.isEmpty()) {
            loader.problem("keys.sources: expected a list of sources, such as - type: home");
            return new KeySourcesConfig(cache, KeySourcesConfig.DEFAULTS.sources());
        }
        List<KeySourcesConfig.Source> sources = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        java.util.Map<List<String>, Integer> directories = new java.util.HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "keys.sources[" + i + "]";
            JsonNode node = list.get(i);
            if (!node.isObject()) {
                loader.problem(where + ": expected a map with a type");
                continue;
            }
            String type = loader.text(node.path("type"), where + ".type");
            if (type == null) {
                continue;
            }
            String normalized = type.trim().toLowerCase(Locale.ROOT);
            // A directory may be listed twice (two servers); the key home, the WKD and the one Autocrypt store not.
            if (List.of("home", "wkd", "autocrypt").contains(normalized) && !seen.add(normalized)) {
                loader.problem(where + ": " + switch (normalized) {
                    case "home" -> "the key home";
                    case "wkd" -> "the Web Key Directory";
                    default -> "Autocrypt (one store, in the key home)";
                } + " is listed twice");
            }
            KeySourcesConfig.Source source = switch (normalized) {
                case "home" -> {
                    loader.allowOnly(node, where, "type");
                    yield new KeySourcesConfig.Source.Home();
                }
                case "ldap" -> ldap(node, where, cache);
                case "wkd" -> wkd(node, where, cache);
                case "autocrypt" -> autocrypt(node, where);
                default -> {
                    loader.problem(where + ".type: '" + type + "' is not one of home, ldap, wkd, autocrypt");
                    yield null;
                }
            };
            if (source instanceof KeySourcesConfig.Source.Ldap ldap) {
                // The same servers searched under the same base twice: only double the load (and the same name).
                Integer earlier = directories.putIfAbsent(directory(ldap.settings()), i);
                if (earlier != null) {
                    loader.problem(where + ": the same LDAP directory (url and baseDn) as keys.sources[" + earlier + "]");
                }
            }
            if (source != null) {
                sources.add(source);
            }
        }
        return new KeySourcesConfig(cache, sources);
    }

    /** What makes two LDAP sources the same directory: their URLs (in order) and base DN, normalized. */
    private static List<String> directory(LdapSettings settings) {
        List<String> key = new ArrayList<>();
        settings.urls().forEach(url -> key.add(url.toLowerCase(Locale.ROOT)));
        try {
            key.add(new DN(settings.baseDn()).toNormalizedString());
        } catch (LDAPException e) {
            key.add(settings.baseDn()); // already reported
        }
        return key;
    }

    private KeyCacheSettings cache(JsonNode node, String where) {
        KeyCacheSettings defaults = KeyCacheSettings.DEFAULTS;
        if (node.isMissingNode()) {
            return defaults;
        }
        loader.allowOnly(node, where, "expiry", "staleFor", "timeout", "maximumSize");
        Duration expiry = node.has("expiry")
                ? loader.duration(node.get("expiry"), where + ".expiry", Duration.ofSeconds(1), Duration.ofDays(7))
                : defaults.expiry();
        Duration staleFor = node.has("staleFor")
                ? loader.duration(node.get("staleFor"), where + ".staleFor", Duration.ZERO, Duration.ofDays(30))
                : defaults.staleFor();
        Duration timeout = node.has("timeout")
                ? loader.duration(node.get("timeout"), where + ".timeout", MIN_TIMEOUT, MAX_TIMEOUT)
                : defaults.timeout();
        long size = loader.number(node, "maximumSize", where + ".maximumSize", defaults.maximumSize(), 1, 10_000_000);
        if (expiry == null || staleFor == null || timeout == null) {
            return defaults; // the problem is recorded
        }
        return new KeyCacheSettings(expiry, staleFor, timeout, size);
    }

    private KeySourcesConfig.Source ldap(JsonNode node, String where, KeyCacheSettings cache) {
        loader.allowOnly(node, where, "type", "url", "startTls", "trust", "bindDn", "bindPasswordFile",
                "allowPlaintextBind", "baseDn", "filter", "pgpAttributes", "smimeAttributes", "connectTimeout",
                "responseTimeout", "maxConnections");
        List<String> urls = urls(node.path("url"), where + ".url");
        boolean startTls = loader.bool(node, "startTls", where + ".startTls", false);
        Path trust = node.has("trust") ? loader.existingFile(loader.text(node.get("trust"), where + ".trust"),
                where + ".trust") : null;
        String bindDn = node.has("bindDn") ? dn(node.get("bindDn"), where + ".bindDn") : null;
        char[] password = node.has("bindPasswordFile") ? loader.firstLine(
                loader.text(node.get("bindPasswordFile"), where + ".bindPasswordFile"), where + ".bindPasswordFile") : null;
        if (node.has("bindDn") != node.has("bindPasswordFile")) {
            loader.problem(where + ": bindDn and bindPasswordFile go together (neither for anonymous searches)");
        }
        boolean ldaps = urls != null && urls.stream().allMatch(u -> u.regionMatches(true, 0, "ldaps:", 0, 6));
        if (startTls && urls != null && urls.stream().anyMatch(u -> u.regionMatches(true, 0, "ldaps:", 0, 6))) {
            loader.problem(where + ".startTls: only for ldap:// URLs (ldaps:// is TLS from the start)");
        }
        if (node.has("bindDn") && !startTls && !ldaps
                && !loader.bool(node, "allowPlaintextBind", where + ".allowPlaintextBind", false)) {
            loader.problem(where + ": the bind password would cross an unencrypted link; use ldaps://, startTls: true,"
                    + " or allowPlaintextBind: true (explicitly)");
        }
        String baseDn = dn(node.path("baseDn"), where + ".baseDn");
        String filter = node.has("filter") ? filter(node.get("filter"), where + ".filter") : LdapSettings.DEFAULT_FILTER;
        List<String> pgp = node.has("pgpAttributes") ? names(node.get("pgpAttributes"), where + ".pgpAttributes")
                : LdapSettings.DEFAULT_PGP_ATTRIBUTES;
        List<String> smime = node.has("smimeAttributes") ? names(node.get("smimeAttributes"), where + ".smimeAttributes")
                : LdapSettings.DEFAULT_SMIME_ATTRIBUTES;
        Duration connect = node.has("connectTimeout") ? loader.duration(node.get("connectTimeout"),
                where + ".connectTimeout", MIN_TIMEOUT, MAX_TIMEOUT) : cache.timeout();
        Duration response = node.has("responseTimeout") ? loader.duration(node.get("responseTimeout"),
                where + ".responseTimeout", MIN_TIMEOUT, MAX_TIMEOUT) : cache.timeout();
        int maxConnections = (int) loader.number(node, "maxConnections", where + ".maxConnections", 8, 1, 100);
        if (urls == null || baseDn == null || filter == null || pgp == null || smime == null || connect == null
                || response == null || (node.has("trust") && trust == null) || (node.has("bindDn") && bindDn == null)
                || (node.has("bindPasswordFile") && password == null)) {
            return null;
        }
        return new KeySourcesConfig.Source.Ldap(new LdapSettings(urls, startTls, trust, bindDn, password, baseDn, filter,
                pgp, smime, connect, response, maxConnections));
    }

    private KeySourcesConfig.Source wkd(JsonNode node, String where, KeyCacheSettings cache) {
        loader.allowOnly(node, where, "type", "timeout", "methods", "trust", "maxResponseBytes");
        Duration timeout = loader.duration(node, "timeout", where + ".timeout", cache.timeout(), MIN_TIMEOUT, MAX_TIMEOUT);
        List<WkdConfig.Method> methods = node.has("methods") ? methods(node.get("methods"), where + ".methods")
                : WkdConfig.DEFAULTS.methods();
        Path trust = node.has("trust") ? certificates(loader.existingFile(loader.text(node.get("trust"),
                where + ".trust"), where + ".trust"), where + ".trust") : null;
        int maxResponseBytes = (int) loader.number(node, "maxResponseBytes", where + ".maxResponseBytes",
                WkdConfig.DEFAULTS.maxResponseBytes(), 1024, 16L << 20);
        if (methods == null || (node.has("trust") && trust == null)) {
            return null;
        }
        return new KeySourcesConfig.Source.Wkd(new WkdConfig(timeout, maxResponseBytes, methods, trust));
    }

    private List<WkdConfig.Method> methods(JsonNode node, String where) {
        if (!node.isArray() || node.isEmpty()) {
            loader.problem(where + ": expected a list of methods, such as [advanced, direct]");
            return null;
        }
        List<WkdConfig.Method> methods = new ArrayList<>();
        for (JsonNode n : node) {
            String name = loader.text(n, where);
            if (name == null) {
                return null;
            }
            WkdConfig.Method method = switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "advanced" -> WkdConfig.Method.ADVANCED;
                case "direct" -> WkdConfig.Method.DIRECT;
                default -> null;
            };
            if (method == null) {
                loader.problem(where + ": '" + name + "' is not one of advanced, direct");
                return null;
            }
            if (methods.contains(method)) {
                loader.problem(where + ": '" + name + "' is listed twice");
                return null;
            }
            methods.add(method);
        }
        return methods;
    }

    /** The file when it holds at least one X.509 certificate (PEM or DER); null and a problem otherwise. */
    private Path certificates(Path file, String where) {
        if (file == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            if (!CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                return file;
            }
        } catch (IOException | CertificateException e) {
            // reported below
        }
        loader.problem(where + ": " + file + " holds no CA certificate (expected PEM, -----BEGIN CERTIFICATE-----)");
        return null;
    }

    private KeySourcesConfig.Source autocrypt(JsonNode node, String where) {
        loader.allowOnly(node, where, "type", "staleAfter", "maxHeaderBytes", "maxPeers");
        AutocryptConfig defaults = AutocryptConfig.DEFAULTS;
        Duration staleAfter = loader.duration(node, "staleAfter", where + ".staleAfter", defaults.staleAfter(),
                Duration.ofDays(1), Duration.ofDays(3650));
        int maxHeaderBytes = (int) loader.number(node, "maxHeaderBytes", where + ".maxHeaderBytes",
                defaults.maxHeaderBytes(), 1024, 1 << 20);
        int maxPeers = (int) loader.number(node, "maxPeers", where + ".maxPeers", defaults.maxPeers(), 1, 10_000_000);
        return new KeySourcesConfig.Source.Autocrypt(new AutocryptConfig(maxHeaderBytes, staleAfter, maxPeers));
    }

    private List<String> urls(JsonNode node, String where) {
        List<String> texts = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> texts.add(loader.text(n, where)));
        } else {
            texts.add(loader.text(node, where));
        }
        if (texts.isEmpty()) {
            loader.problem(where + ": at least one ldap:// or ldaps:// URL is needed");
            return null;
        }
        List<String> urls = new ArrayList<>();
        for (String text : texts) {
            if (text == null) {
                return null;
            }
            try {
                LDAPURL url = new LDAPURL(text);
                if (!url.hostProvided()) {
                    loader.problem(where + ": '" + text + "' names no host");
                    return null;
                }
                urls.add(text);
            } catch (LDAPException e) {
                loader.problem(where + ": '" + text + "' is not an ldap:// or ldaps:// URL");
                return null;
            }
        }
        return urls;
    }

    private String dn(JsonNode node, String where) {
        String text = loader.text(node, where);
        if (text == null) {
            return null;
        }
        try {
            new DN(text);
            return text;
        } catch (LDAPException e) {
            loader.problem(where + ": '" + text + "' is not a distinguished name");
            return null;
        }
    }

    private String filter(JsonNode node, String where) {
        String text = loader.text(node, where);
        if (text == null) {
            return null;
        }
        if (!text.contains("{0}")) {
            loader.problem(where + ": needs {0} where the address goes, as in (mail={0})");
            return null;
        }
        try {
            Filter.create(text.replace("{0}", "a@example.org"));
            return text;
        } catch (LDAPException e) {
            loader.problem(where + ": '" + text + "' is not an LDAP filter (RFC 4515)");
            return null;
        }
    }

    private List<String> names(JsonNode node, String where) {
        if (!node.isArray()) {
            loader.problem(where + ": expected a list of attribute names");
            return null;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode n : node) {
            String name = loader.text(n, where);
            if (name == null || !name.matches("[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*")) {
                loader.problem(where + ": '" + name + "' is not an attribute name");
                return null;
            }
            names.add(name);
        }
        return names;
    }
}
