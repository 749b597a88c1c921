package org.mailseal.server.keys;

import org.mailseal.crypto.keys.KeyDirectory;

/**
 * One place keys come from (the key home, an LDAP directory, ...), named for logs and metrics. A source may block
 * and fail with any runtime exception; {@link CachedKeySource} time-boxes it and turns failures into
 * {@link KeyLookupException}.
 */
public interface KeySource extends KeyDirectory, AutoCloseable {
    /** An address no source holds keys for, looked up to learn whether a source answers (RFC 2606 {@code .invalid}). */
    String PROBE_ADDRESS = "mailseal-probe@probe.invalid";

    /** Short and free of secrets: {@code home}, {@code ldap ldaps://ldap.example.org}. */
    String name();

    /** Returns when the source answers now, throws otherwise. By default a lookup of {@link #PROBE_ADDRESS}. */
    default void probe() {
        encryptionKeys(PROBE_ADDRESS);
    }

    @Override
    default void close() {
    }

    /** A directory that needs no closing, under a name. */
    static KeySource of(String name, KeyDirectory directory) {
        return new KeySource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public java.util.List<org.mailseal.crypto.keys.RecipientKey> encryptionKeys(String address) {
                return directory.encryptionKeys(address);
            }
        };
    }
}
