package org.mailseal.crypto.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyGenerator;
import org.bouncycastle.openpgp.api.SignatureParameters;
import org.bouncycastle.openpgp.api.SignatureSubpacketsFunction;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.bouncycastle.openpgp.operator.PBESecretKeyDecryptor;
import org.bouncycastle.openpgp.operator.PBESecretKeyEncryptor;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;

/** OpenPGP keys: generation, validity and unlocking, on Bouncy Castle's {@code openpgp.api}. */
public final class PgpKeys {
    private static final BcOpenPGPApi API = new BcOpenPGPApi();

    private PgpKeys() {}

    /**
     * Generates a v4 key for an address, protected by a passphrase (iterated and salted S2K with AES-256, which
     * GnuPG 2.2 reads).
     *
     * @param advertiseSeipdV2 whether the key says it reads SEIPD v2 (AEAD). Off by default, since GnuPG 2.2 and
     *                         Thunderbird before 128 do not.
     */
    public static OpenPGPKey generate(String address, KeyAlgorithm algorithm, char[] passphrase, Date now,
                                      boolean advertiseSeipdV2) throws PGPException {
        byte features = advertiseSeipdV2
                ? (byte) (Features.FEATURE_MODIFICATION_DETECTION | Features.FEATURE_SEIPD_V2)
                : Features.FEATURE_MODIFICATION_DETECTION;
        SignatureSubpacketsFunction hashed = subpackets -> {
            subpackets.removePacketsOfType(SignatureSubpacketTags.FEATURES);
            subpackets.setFeature(false, features);
            subpackets.removePacketsOfType(SignatureSubpacketTags.PREFERRED_SYM_ALGS);
            subpackets.setPreferredSymmetricAlgorithms(false, new int[] {
                SymmetricKeyAlgorithmTags.AES_256, SymmetricKeyAlgorithmTags.AES_128});
            if (!advertiseSeipdV2) {
                subpackets.removePacketsOfType(SignatureSubpacketTags.PREFERRED_AEAD_ALGORITHMS);
            }
            return subpackets;
        };
        SignatureParameters.Callback preferences = new SignatureParameters.Callback() {
            @Override
            public SignatureParameters apply(SignatureParameters parameters) {
                return parameters.setHashedSubpacketsFunction(hashed);
            }
        };
        OpenPGPKeyGenerator generator = API.generateKey(4, now, false);
        OpenPGPKeyGenerator.WithPrimaryKey key = switch (algorithm) {
            case CV25519 -> generator
                    .withPrimaryKey(g -> g.generateLegacyEd25519KeyPair(), preferences)
                    .addUserId("<" + Addresses.normalize(address) + ">", preferences)
                    .addEncryptionSubkey(g -> g.generateLegacyX25519KeyPair());
            case RSA3072 -> generator
                    .withPrimaryKey(g -> g.generateRsaKeyPair(3072), preferences)
                    .addUserId("<" + Addresses.normalize(address) + ">", preferences)
                    .addEncryptionSubkey(g -> g.generateRsaKeyPair(3072));
        };
        return key.build(passphrase.clone()); // Bouncy Castle clears the array it is given
    }

    /** The addresses of the certificate's user IDs that are valid now. */
    public static Set<String> addresses(OpenPGPCertificate certificate, Date now) {
        Set<String> addresses = new LinkedHashSet<>();
        for (OpenPGPCertificate.OpenPGPUserId userId : certificate.getValidUserIds(now)) {
            Addresses.fromUserId(userId.getUserId()).ifPresent(addresses::add);
        }
        return addresses;
    }

    /** Addresses from all user IDs, valid or not, for listings. */
    public static Set<String> allAddresses(OpenPGPCertificate certificate) {
        Set<String> addresses = new LinkedHashSet<>();
        for (OpenPGPCertificate.OpenPGPUserId userId : certificate.getAllUserIds()) {
            Addresses.fromUserId(userId.getUserId()).ifPresent(addresses::add);
        }
        return addresses;
    }

    /**
     * The recipient view of a certificate: its subkeys usable for encryption now (bound, unexpired, unrevoked,
     * with an encryption key flag), or null when there is none.
     */
    public static RecipientKey.Pgp recipientKey(String address, OpenPGPCertificate certificate, Date now) {
        List<PGPPublicKey> keys = new ArrayList<>();
        for (OpenPGPCertificate.OpenPGPComponentKey component : certificate.getEncryptionKeys(now)) {
            keys.add(component.getPGPPublicKey());
        }
        if (keys.isEmpty()) {
            return null;
        }
        return new RecipientKey.Pgp(address, certificate, keys, advertisesSeipdV2(certificate, now));
    }

    /**
     * The recipient view of a certificate for one address: null unless a user ID valid now names the address and
     * a subkey may be encrypted to now. For certificates from any source (key home, a directory).
     */
    public static RecipientKey.Pgp recipientKeyFor(String address, OpenPGPCertificate certificate, Date now) {
        String wanted = Addresses.normalize(address);
        return addresses(certificate, now).contains(wanted) ? recipientKey(wanted, certificate, now) : null;
    }

    static boolean advertisesSeipdV2(OpenPGPCertificate certificate, Date now) {
        Features features = certificate.getPrimaryKey().getFeatures(now);
        OpenPGPCertificate.OpenPGPUserId primaryUserId = certificate.getPrimaryUserId(now);
        if (primaryUserId != null && primaryUserId.getFeatures(now) != null) {
            features = primaryUserId.getFeatures(now);
        }
        return features != null && features.supportsFeature(Features.FEATURE_SEIPD_V2);
    }

    /** Whether every secret key in the ring is protected by a passphrase. */
    public static boolean isProtected(PGPSecretKeyRing ring) {
        for (Iterator<PGPSecretKey> it = ring.getSecretKeys(); it.hasNext(); ) {
            PGPSecretKey key = it.next();
            if (!key.isPrivateKeyEmpty() && key.getS2KUsage() == 0) {
                return false;
            }
        }
        return true;
    }

    /** Unlocks every decryption-capable secret key in the ring. */
    public static UnlockedKey.Pgp unlock(OpenPGPKey key, char[] passphrase) throws KeyUnlockException {
        PBESecretKeyDecryptor decryptor =
                new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(passphrase.clone());
        Map<org.bouncycastle.bcpg.KeyIdentifier, PGPPrivateKey> privateKeys = new HashMap<>();
        for (Iterator<PGPSecretKey> it = key.getPGPSecretKeyRing().getSecretKeys(); it.hasNext(); ) {
            PGPSecretKey secretKey = it.next();
            if (secretKey.isPrivateKeyEmpty() || !secretKey.getPublicKey().isEncryptionKey()) {
                continue;
            }
            try {
                privateKeys.put(secretKey.getKeyIdentifier(), secretKey.extractPrivateKey(decryptor));
            } catch (PGPException e) {
                throw new KeyUnlockException("wrong passphrase for OpenPGP key " + KeyFingerprints.hex(key.getFingerprint()));
            }
        }
        if (privateKeys.isEmpty()) {
            throw new KeyUnlockException("OpenPGP key " + KeyFingerprints.hex(key.getFingerprint()) + " has no decryption key");
        }
        return new UnlockedKey.Pgp(key.toCertificate(), privateKeys);
    }

    /**
     * The same key with its secret parts protected by a new passphrase (iterated and salted S2K, SHA-256, AES-256,
     * as at generation). Public parts and signatures are unchanged, so the certificate stays the same.
     *
     * @throws KeyUnlockException the old passphrase does not open the key
     */
    public static OpenPGPKey withNewPassphrase(OpenPGPKey key, char[] oldPassphrase, char[] newPassphrase)
            throws KeyUnlockException {
        PBESecretKeyDecryptor decryptor =
                new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(oldPassphrase.clone());
        try {
            PBESecretKeyEncryptor encryptor = new BcPBESecretKeyEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256,
                    new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA256), 0x60)
                    .build(newPassphrase.clone());
            PGPSecretKeyRing ring = PGPSecretKeyRing.copyWithNewPassword(key.getPGPSecretKeyRing(), decryptor, encryptor);
            return new OpenPGPKey(ring);
        } catch (PGPException e) {
            throw new KeyUnlockException("wrong passphrase for OpenPGP key " + KeyFingerprints.hex(key.getFingerprint()));
        }
    }

    /** ASCII-armored transferable public key, CRLF-free (LF line ends, as GnuPG writes). */
    public static String armoredCertificate(OpenPGPCertificate certificate) throws IOException {
        OpenPGPCertificate publicPart = certificate instanceof OpenPGPKey key ? key.toCertificate() : certificate;
        return armor(publicPart.getEncoded(PacketFormat.CURRENT));
    }

    /** ASCII-armored transferable secret key (still passphrase-protected). */
    public static String armoredSecretKey(OpenPGPKey key) throws IOException {
        return armor(key.getEncoded(PacketFormat.CURRENT), true);
    }

    private static String armor(byte[] binary) throws IOException {
        return armor(binary, false);
    }

    private static String armor(byte[] binary, boolean secret) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (OutputStream armored = ArmoredOutputStream.builder().clearHeaders().build(buffer)) {
            armored.write(binary);
        }
        String text = buffer.toString(StandardCharsets.US_ASCII);
        if (secret) {
            text = text.replace("PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK");
        }
        return text;
    }
}
