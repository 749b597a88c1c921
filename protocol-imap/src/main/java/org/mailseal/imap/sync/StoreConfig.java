package org.mailseal.imap.sync;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.mailseal.imap.ImapUpstreamConfig.TlsMode;

/** One end of a channel: an IMAP account or a local Maildir. */
public sealed interface StoreConfig permits StoreConfig.Imap, StoreConfig.Maildir {

    /** The address whose key the copies stored here must be encrypted to (issue 7, key translation), if any. */
    Optional<String> encryptTo();

    /** Whether the two configurations name the same mailbox store, which a channel must never pair with itself. */
    boolean sameStoreAs(StoreConfig other);

    /**
     * An IMAP account.
     *
     * @param passwordFile        file holding the password, so it is in neither the configuration nor the command line
     * @param allowPlaintextLogin send the password over a link without TLS (DESIGN.md invariant 5: explicit only)
     * @param keyAddress          the address whose key copies here are encrypted to, or {@code null}
     */
    record Imap(String host, int port, TlsMode tls, String user, Path passwordFile, boolean allowPlaintextLogin,
                String keyAddress) implements StoreConfig {
        public Imap {
            if (host == null || host.isBlank() || host.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("IMAP store: host must be a host name or address, got "
                        + (host == null ? "none" : "'" + host.strip() + "'"));
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("IMAP store " + host + ": port must be 1-65535, got " + port);
            }
            if (tls == null) {
                throw new IllegalArgumentException("IMAP store " + host + ": TLS mode (none, starttls, implicit) is required");
            }
            if (tls == TlsMode.NONE && !allowPlaintextLogin) {
                throw new IllegalArgumentException("IMAP store " + host + ": without TLS the password would travel in"
                        + " the clear; use starttls or implicit TLS, or allow plaintext login explicitly (loopback only)");
            }
            if (user == null || user.isEmpty() || user.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("IMAP store " + host + ": user must be non-empty without control characters");
            }
            if (passwordFile == null) {
                throw new IllegalArgumentException("IMAP store " + user + "@" + host + ": a password file is required");
            }
            requireKeyAddress(keyAddress, "IMAP store " + user + "@" + host);
        }

        @Override
        public Optional<String> encryptTo() {
            return Optional.ofNullable(keyAddress);
        }

        @Override
        public boolean sameStoreAs(StoreConfig other) {
            return other instanceof Imap o && host.toLowerCase(Locale.ROOT).equals(o.host.toLowerCase(Locale.ROOT))
                    && port == o.port && user.equals(o.user);
        }

        @Override
        public String toString() {
            return "imap " + user + "@" + host + ":" + port; // no password file path in logs and errors
        }
    }

    /**
     * A local Maildir.
     *
     * @param path       absolute: the configuration loader resolves a relative one against its own folder
     * @param keyAddress the address whose key copies here are encrypted to, or {@code null}
     */
    record Maildir(Path path, String keyAddress) implements StoreConfig {
        public Maildir {
            if (path == null || !path.isAbsolute()) {
                throw new IllegalArgumentException("Maildir store: the path must be absolute, got " + path);
            }
            path = path.normalize();
            requireKeyAddress(keyAddress, "Maildir store " + path);
        }

        @Override
        public Optional<String> encryptTo() {
            return Optional.ofNullable(keyAddress);
        }

        @Override
        public boolean sameStoreAs(StoreConfig other) {
            return other instanceof Maildir o && (path.startsWith(o.path) || o.path.startsWith(path));
        }

        @Override
        public String toString() {
            return "maildir " + path;
        }
    }

    private static void requireKeyAddress(String address, String store) {
        if (address == null) {
            return;
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.indexOf('@') != at
                || address.chars().anyMatch(c -> c <= 0x20 || c == 0x7f || c == '<' || c == '>')) {
            throw new IllegalArgumentException(store + ": the key address must be a plain address like user@example.org");
        }
    }
}
