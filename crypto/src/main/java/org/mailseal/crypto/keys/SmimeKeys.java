package org.mailseal.crypto.keys;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CRLException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMECapabilities;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** S/MIME keys: self-signed certificates for generated keys, validity checks, PKCS#12 storage. */
public final class SmimeKeys {
    /** RFC 4262: an X.509 extension carrying S/MIME capabilities (the same OID as the CMS attribute). */
    static final ASN1ObjectIdentifier SMIME_CAPABILITIES_EXTENSION = PKCSObjectIdentifiers.pkcs_9_at_smimeCapabilities;
    private static final String ALIAS = "mailseal";
    private static final SecureRandom RANDOM = new SecureRandom();

    private SmimeKeys() {}

    /** A private key with its certificate chain, as generated or read from PKCS#12. */
    public record KeyAndCertificate(PrivateKey privateKey, X509Certificate certificate) {}

    /**
     * Generates an RSA-3072 key and a self-signed certificate for an address, valid from now for {@code validity}.
     * The certificate lists AES-256-GCM in its S/MIME capabilities, so mailseal writes AuthEnvelopedData to it.
     */
    public static KeyAndCertificate generate(String address, Date now, Duration validity) throws GeneralSecurityException {
        String email = Addresses.normalize(address);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(3072, RANDOM);
        KeyPair pair = generator.generateKeyPair();
        var name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, email).addRDN(BCStyle.EmailAddress, email).build();
        Date notBefore = new Date(now.getTime() - Duration.ofMinutes(5).toMillis());
        Date notAfter = new Date(now.getTime() + validity.toMillis());
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name, new BigInteger(127, RANDOM), notBefore, notAfter, name, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_emailProtection));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.rfc822Name, email)));
            SMIMECapabilityVector capabilities = new SMIMECapabilityVector();
            capabilities.addCapability(NISTObjectIdentifiers.id_aes256_GCM);
            capabilities.addCapability(NISTObjectIdentifiers.id_aes256_CBC);
            builder.addExtension(SMIME_CAPABILITIES_EXTENSION, false, new DERSequence(capabilities.toASN1EncodableVector()));
            var signer = new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new KeyAndCertificate(pair.getPrivate(), certificate);
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("cannot create certificate for " + email, e);
        }
    }

    /** Addresses the certificate is for: subjectAltName rfc822Name entries and the subject's emailAddress. */
    public static Set<String> addresses(X509Certificate certificate) {
        Set<String> addresses = new LinkedHashSet<>();
        try {
            Collection<List<?>> alternativeNames = certificate.getSubjectAlternativeNames();
            if (alternativeNames != null) {
                for (List<?> entry : alternativeNames) {
                    if (entry.size() >= 2 && Integer.valueOf(GeneralName.rfc822Name).equals(entry.get(0))) {
                        addresses.add(Addresses.normalize(String.valueOf(entry.get(1))));
                    }
                }
            }
        } catch (CertificateException e) {
            // An unparseable extension: fall back to the subject.
        }
        var subject = org.bouncycastle.asn1.x500.X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        for (var rdn : subject.getRDNs(BCStyle.EmailAddress)) {
            addresses.add(Addresses.normalize(rdn.getFirst().getValue().toString()));
        }
        return addresses;
    }

    /** Whether the certificate may be encrypted to now: within its validity and allowed to carry keys. */
    public static boolean usableForEncryption(X509Certificate certificate, Date now) {
        try {
            certificate.checkValidity(now);
        } catch (CertificateException e) {
            return false;
        }
        boolean[] keyUsage = certificate.getKeyUsage();
        boolean rsa = "RSA".equals(certificate.getPublicKey().getAlgorithm());
        if (!rsa) {
            return false; // key transport only, for now
        }
        return keyUsage == null || keyUsage[2]; // keyEncipherment
    }

    /**
     * The recipient view of a certificate for one address: null unless the certificate names the address and may
     * be encrypted to now. Revocation is the caller's to check (the key home holds CRLs; a directory does not).
     */
    public static RecipientKey.Smime recipientKeyFor(String address, X509Certificate certificate, Date now) {
        String wanted = Addresses.normalize(address);
        if (!addresses(certificate).contains(wanted) || !usableForEncryption(certificate, now)) {
            return null;
        }
        return new RecipientKey.Smime(wanted, certificate, supportsAuthEnveloped(certificate));
    }

    /** Whether the certificate's S/MIME capabilities extension lists an AES-GCM algorithm. */
    public static boolean supportsAuthEnveloped(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(SMIME_CAPABILITIES_EXTENSION.getId());
        if (extension == null) {
            return false;
        }
        try {
            ASN1Primitive value = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets());
            SMIMECapabilities capabilities = SMIMECapabilities.getInstance(value);
            return !capabilities.getCapabilities(NISTObjectIdentifiers.id_aes256_GCM).isEmpty()
                    || !capabilities.getCapabilities(NISTObjectIdentifiers.id_aes128_GCM).isEmpty();
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    public static X509Certificate parseCertificate(byte[] pemOrDer) throws CertificateException {
        Collection<X509Certificate> certificates = parseCertificates(pemOrDer);
        if (certificates.isEmpty()) {
            throw new CertificateException("no certificate found");
        }
        return certificates.iterator().next();
    }

    public static List<X509Certificate> parseCertificates(byte[] pemOrDer) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> result = new ArrayList<>();
        for (Certificate certificate : factory.generateCertificates(new ByteArrayInputStream(pemOrDer))) {
            result.add((X509Certificate) certificate);
        }
        return result;
    }

    /** A certificate revocation list, PEM or DER. */
    public static X509CRL parseCrl(byte[] pemOrDer) throws CRLException, CertificateException {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(pemOrDer));
    }

    /**
     * Whether a CRL may be believed: signed by a certificate we hold for its issuer, or, when we hold none, taken
     * as the administrator imported it (a CRL can only take certificates out of use, never add trust).
     */
    public static boolean crlIsAuthentic(X509CRL crl, List<X509Certificate> known) {
        boolean issuerKnown = false;
        for (X509Certificate certificate : known) {
            if (certificate.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                issuerKnown = true;
                try {
                    crl.verify(certificate.getPublicKey());
                    return true;
                } catch (GeneralSecurityException e) {
                    // not this one
                }
            }
        }
        return !issuerKnown;
    }

    public static String pem(X509Certificate certificate) throws CertificateException {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(certificate.getEncoded());
        return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
    }

    /** A PKCS#12 file holding the key and certificate, protected by the passphrase (the JDK's PBES2/AES-256). */
    public static byte[] toPkcs12(KeyAndCertificate key, char[] passphrase) throws GeneralSecurityException {
        requirePrintableAscii(passphrase);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key.privateKey(), passphrase, new Certificate[] {key.certificate()});
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, passphrase);
            return out.toByteArray();
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot write PKCS#12", e);
        }
    }

    /** Reads the first key entry of a PKCS#12 file; a wrong passphrase fails with {@link KeyUnlockException}. */
    public static KeyAndCertificate fromPkcs12(byte[] pkcs12, char[] passphrase) throws KeyUnlockException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(pkcs12), passphrase);
            for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
                String alias = aliases.nextElement();
                if (store.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) store.getKey(alias, passphrase);
                    X509Certificate certificate = (X509Certificate) store.getCertificate(alias);
                    if (key != null && certificate != null) {
                        return new KeyAndCertificate(key, certificate);
                    }
                }
            }
            throw new KeyUnlockException("PKCS#12 file holds no private key with a certificate");
        } catch (IOException e) {
            throw new KeyUnlockException("wrong passphrase for PKCS#12 key", e);
        } catch (GeneralSecurityException e) {
            throw new KeyUnlockException("unreadable PKCS#12 key", e);
        }
    }

    /**
     * The JDK's PKCS#12 (PBES2) accepts only printable ASCII passphrases; say so plainly instead of failing deep
     * inside the key store.
     */
    static void requirePrintableAscii(char[] passphrase) {
        for (char c : passphrase) {
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("S/MIME (PKCS#12) passphrases must be printable ASCII");
            }
        }
    }
}
