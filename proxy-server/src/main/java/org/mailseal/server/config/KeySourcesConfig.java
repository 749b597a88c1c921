package org.mailseal.server.config;

import java.util.List;
import org.mailseal.server.keys.AutocryptConfig;
import org.mailseal.server.keys.KeyCacheSettings;
import org.mailseal.server.keys.LdapSettings;
import org.mailseal.server.keys.WkdConfig;

/**
 * Where recipients' keys come from ({@code keys.sources}, asked in order) and how each source's answers are cached
 * ({@code keys.cache}).
 */
public record KeySourcesConfig(KeyCacheSettings cache, List<Source> sources) {
    /** Only the key home, as before there were sources: existing configurations keep working unchanged. */
    public static final KeySourcesConfig DEFAULTS = new KeySourcesConfig(KeyCacheSettings.DEFAULTS, List.of(new Source.Home()));

    public KeySourcesConfig {
        sources = List.copyOf(sources);
    }

    /** One entry of {@code keys.sources}; each {@code type} is one record. */
    public sealed interface Source {
        /** The key home ({@code keys.home}), which the administrator controls. */
        record Home() implements Source {}

        record Ldap(LdapSettings settings) implements Source {}

        /** The recipient's domain's Web Key Directory. */
        record Wkd(WkdConfig config) implements Source {}

        /** Keys learned from the {@code Autocrypt} headers of passing mail, kept in the key home. */
        record Autocrypt(AutocryptConfig config) implements Source {}
    }
}
