package org.mailseal.crypto.keys;

import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.mailseal.crypto.Format;

/** A public key that a message may be encrypted to, already checked to be valid now. */
public sealed interface RecipientKey {

    /** The address this key was found for. */
    String address();

    /** A stable identifier: the OpenPGP fingerprint or the SHA-256 of the X.509 certificate, in hex. */
    String fingerprint();

    Format format();

    /**
     * An OpenPGP certificate with the subkeys usable for encryption now.
     *
     * @param seipdV2 whether the certificate advertises SEIPD v2 (AEAD) in its Features subpacket
     */
    record Pgp(String address, OpenPGPCertificate certificate, List<PGPPublicKey> encryptionKeys, boolean seipdV2)
            implements RecipientKey {
        public Pgp {
            encryptionKeys = List.copyOf(encryptionKeys);
            if (encryptionKeys.isEmpty()) {
                throw new IllegalArgumentException("no encryption subkey for " + address);
            }
        }

        @Override
        public String fingerprint() {
            return KeyFingerprints.hex(certificate.getFingerprint());
        }

        @Override
        public Format format() {
            return Format.PGP_MIME;
        }
    }

    /**
     * An X.509 certificate for S/MIME.
     *
     * @param authEnveloped whether the certificate's S/MIME capabilities list AES-GCM (then AuthEnvelopedData is used)
     */
    record Smime(String address, X509Certificate certificate, boolean authEnveloped) implements RecipientKey {
        @Override
        public String fingerprint() {
            return KeyFingerprints.sha256(certificate);
        }

        @Override
        public Format format() {
            return Format.SMIME;
        }
    }
}
