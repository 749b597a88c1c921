package org.mailseal.crypto.keys;

import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;

/**
 * A private key unlocked with its passphrase. Held only in memory, and dropped with {@link #close()} when the
 * session or cache entry that owns it ends (DESIGN.md, invariant 8); after that it cannot be used.
 */
public sealed interface UnlockedKey extends AutoCloseable {

    /** The fingerprint of the key pair, as in {@link RecipientKey#fingerprint()}. */
    String fingerprint();

    @Override
    void close();

    /** An OpenPGP key: the decryption-capable secret subkeys, by key identifier. */
    final class Pgp implements UnlockedKey {
        private final OpenPGPCertificate certificate;
        private final AtomicReference<Map<KeyIdentifier, PGPPrivateKey>> keys;

        public Pgp(OpenPGPCertificate certificate, Map<KeyIdentifier, PGPPrivateKey> keys) {
            this.certificate = certificate;
            this.keys = new AtomicReference<>(Map.copyOf(keys));
        }

        public OpenPGPCertificate certificate() {
            return certificate;
        }

        /** The private keys by identifier; fails once the key was dropped. */
        public Map<KeyIdentifier, PGPPrivateKey> privateKeys() {
            Map<KeyIdentifier, PGPPrivateKey> current = keys.get();
            if (current == null) {
                throw new IllegalStateException("key was dropped");
            }
            return current;
        }

        @Override
        public String fingerprint() {
            return KeyFingerprints.hex(certificate.getFingerprint());
        }

        @Override
        public void close() {
            keys.set(null);
        }
    }

    /**
     * An S/MIME key: the certificate and its private key. A key that lives in a PKCS#11 token (smart card, HSM)
     * comes with the token's JCA provider: the private key is then only a handle, and every operation with it must
     * run in that provider.
     */
    final class Smime implements UnlockedKey {
        private final X509Certificate certificate;
        private final AtomicReference<PrivateKey> privateKey;
        private final Provider keyProvider;

        public Smime(X509Certificate certificate, PrivateKey privateKey) {
            this(certificate, privateKey, null);
        }

        /** @param keyProvider the provider that holds the private key (a token's), or null for a key in memory */
        public Smime(X509Certificate certificate, PrivateKey privateKey, Provider keyProvider) {
            this.certificate = certificate;
            this.privateKey = new AtomicReference<>(privateKey);
            this.keyProvider = keyProvider;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** The provider that must run operations with the private key, or null when any provider can. */
        public Provider keyProvider() {
            return keyProvider;
        }

        public PrivateKey privateKey() {
            PrivateKey current = privateKey.get();
            if (current == null) {
                throw new IllegalStateException("key was dropped");
            }
            return current;
        }

        @Override
        public String fingerprint() {
            return KeyFingerprints.sha256(certificate);
        }

        @Override
        public void close() {
            PrivateKey key = privateKey.getAndSet(null);
            if (key != null && !key.isDestroyed()) {
                try {
                    key.destroy();
                } catch (javax.security.auth.DestroyFailedException e) {
                    // The JDK's key classes do not implement destroy(); dropping the reference is what remains.
                }
            }
        }
    }
}
