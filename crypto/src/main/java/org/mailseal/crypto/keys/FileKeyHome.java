package org.mailseal.crypto.keys;

import static org.mailseal.crypto.io.OwnerOnlyFiles.writeAtomically;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyReader;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.io.OwnerOnlyFiles;

/**
 * The key home: a directory holding recipients' public keys and certificates and users' passphrase-protected
 * private keys. Layout:
 *
 * <pre>
 *   openpgp/FINGERPRINT.pub.asc   OpenPGP certificate (armored)
 *   openpgp/FINGERPRINT.sec.asc   OpenPGP secret key, always passphrase-protected (armored)
 *   smime/SHA256.crt.pem          X.509 certificate
 *   smime/SHA256.p12              PKCS#12 with the private key, passphrase-protected
 *   smime/SHA256.crl              certificate revocation list (RFC 5280 §5); revoked certificates are not used
 *   openpgp/FINGERPRINT.retired   marker: a key replaced by {@link #rotate}; still decrypts, never encrypted to
 *   smime/SHA256.retired          the same for a certificate
 * </pre>
 *
 * Files are written atomically with owner-only permissions. The in-memory index is rebuilt when the directory
 * changes, so keys imported by another process are seen.
 */
public final class FileKeyHome implements KeyDirectory {
    private static final String PGP_DIR = "openpgp";
    private static final String SMIME_DIR = "smime";
    private static final String RETIRED = ".retired";
    private static final Duration GENERATED_CERTIFICATE_VALIDITY = Duration.ofDays(2 * 365);

    private final Path root;
    private final Clock clock;
    private volatile Index index;

    private FileKeyHome(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    /** Opens (creating if needed, mode 0700) a key home. */
    public static FileKeyHome open(Path root) throws IOException {
        return open(root, Clock.systemUTC());
    }

    public static FileKeyHome open(Path root, Clock clock) throws IOException {
        for (Path dir : List.of(root, root.resolve(PGP_DIR), root.resolve(SMIME_DIR))) {
            OwnerOnlyFiles.ownerOnlyDirectory(dir);
        }
        return new FileKeyHome(root, clock);
    }

    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- lookups

    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        String wanted = Addresses.normalize(address);
        Date now = Date.from(clock.instant());
        List<RecipientKey> keys = new ArrayList<>();
        for (PgpEntry entry : index().pgp()) {
            RecipientKey.Pgp key = entry.retired() ? null : PgpKeys.recipientKeyFor(wanted, entry.certificate(), now);
            if (key != null) {
                keys.add(key);
            }
        }
        for (SmimeEntry entry : index().smime()) {
            RecipientKey.Smime key = entry.retired() || entry.revoked() ? null
                    : SmimeKeys.recipientKeyFor(wanted, entry.certificate(), now);
            if (key != null) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** Fingerprints of the keys and certificates marked retired by {@link #rotate} (any address). */
    public java.util.Set<String> retiredFingerprints() {
        java.util.Set<String> retired = new java.util.HashSet<>();
        index().pgp().stream().filter(PgpEntry::retired).forEach(e -> retired.add(e.fingerprint()));
        index().smime().stream().filter(SmimeEntry::retired).forEach(e -> retired.add(e.fingerprint()));
        return java.util.Set.copyOf(retired);
    }

    /**
     * Unlocks every private key of an address that opens with the passphrase. Fails when the address has no
     * private key or none opens.
     */
    public List<UnlockedKey> unlock(String address, char[] passphrase) throws KeyUnlockException, IOException {
        String wanted = Addresses.normalize(address);
        List<UnlockedKey> unlocked = new ArrayList<>();
        KeyUnlockException lastFailure = null;
        int candidates = 0;
        for (PgpEntry entry : index().pgp()) {
            if (entry.secretFile() != null && PgpKeys.allAddresses(entry.certificate()).contains(wanted)) {
                candidates++;
                try {
                    unlocked.add(PgpKeys.unlock(readSecretKey(entry), passphrase));
                } catch (KeyUnlockException e) {
                    lastFailure = e;
                }
            }
        }
        for (SmimeEntry entry : index().smime()) {
            if (entry.pkcs12File() != null && SmimeKeys.addresses(entry.certificate()).contains(wanted)) {
                candidates++;
                try {
                    SmimeKeys.KeyAndCertificate key = SmimeKeys.fromPkcs12(read(entry.pkcs12File()), passphrase);
                    unlocked.add(new UnlockedKey.Smime(key.certificate(), key.privateKey()));
                } catch (KeyUnlockException e) {
                    lastFailure = e;
                }
            }
        }
        if (candidates == 0) {
            throw new KeyUnlockException("no private key for " + wanted);
        }
        if (unlocked.isEmpty()) {
            throw new KeyUnlockException("wrong passphrase for " + wanted, lastFailure);
        }
        return unlocked;
    }

    private OpenPGPKey readSecretKey(PgpEntry entry) throws KeyUnlockException {
        try {
            return new OpenPGPKeyReader().parseKey(read(entry.secretFile()));
        } catch (IOException e) {
            throw new KeyUnlockException("unreadable secret key file " + entry.secretFile().getFileName(), e);
        }
    }

    public List<KeyInfo> list() {
        Date now = Date.from(clock.instant());
        List<KeyInfo> infos = new ArrayList<>();
        for (PgpEntry entry : index().pgp()) {
            infos.add(describe(entry, now));
        }
        for (SmimeEntry entry : index().smime()) {
            infos.add(describe(entry, now));
        }
        return infos;
    }

    // ---------------------------------------------------------------- changes

    /** Generates a key pair for an address and stores it, the private key protected by the passphrase. */
    public KeyInfo generate(String address, Format format, KeyAlgorithm algorithm, char[] passphrase)
            throws IOException, GeneralSecurityException, PGPException {
        requirePassphrase(passphrase);
        Date now = Date.from(clock.instant());
        if (format == Format.PGP_MIME) {
            OpenPGPKey key = PgpKeys.generate(address, algorithm, passphrase, now, false);
            PgpEntry entry = storePgp(key);
            return describe(entry, now);
        }
        if (algorithm != KeyAlgorithm.RSA3072) {
            throw new IllegalArgumentException("S/MIME keys are RSA 3072 (use --algo rsa3072)");
        }
        SmimeKeys.KeyAndCertificate key = SmimeKeys.generate(address, now, GENERATED_CERTIFICATE_VALIDITY);
        SmimeEntry entry = storeSmime(key.certificate(), SmimeKeys.toPkcs12(key, passphrase));
        return describe(entry, now);
    }

    /**
     * Protects every private key of an address that the old passphrase opens (retired ones too) with the new one, each
     * file replaced atomically; no message and no public key changes. Keys the old passphrase does not open are left
     * as they are (a rerun with their own old passphrase changes them too).
     *
     * @return the keys changed
     * @throws KeyUnlockException the address has no private key, or the old passphrase opens none
     */
    public List<KeyInfo> changePassphrase(String address, char[] oldPassphrase, char[] newPassphrase)
            throws KeyUnlockException, IOException, GeneralSecurityException {
        requirePassphrase(newPassphrase);
        String wanted = Addresses.normalize(address);
        Date now = Date.from(clock.instant());
        List<KeyInfo> changed = new ArrayList<>();
        int candidates = 0;
        for (PgpEntry entry : index().pgp()) {
            if (entry.secretFile() != null && PgpKeys.allAddresses(entry.certificate()).contains(wanted)) {
                candidates++;
                try {
                    OpenPGPKey key = PgpKeys.withNewPassphrase(readSecretKey(entry), oldPassphrase, newPassphrase);
                    writeAtomically(entry.secretFile(), PgpKeys.armoredSecretKey(key).getBytes(StandardCharsets.US_ASCII));
                    changed.add(describe(entry, now));
                } catch (KeyUnlockException e) {
                    // another passphrase protects this one
                }
            }
        }
        for (SmimeEntry entry : index().smime()) {
            if (entry.pkcs12File() != null && SmimeKeys.addresses(entry.certificate()).contains(wanted)) {
                candidates++;
                try {
                    SmimeKeys.KeyAndCertificate key = SmimeKeys.fromPkcs12(read(entry.pkcs12File()), oldPassphrase);
                    writeAtomically(entry.pkcs12File(), SmimeKeys.toPkcs12(key, newPassphrase));
                    changed.add(describe(entry, now));
                } catch (KeyUnlockException e) {
                    // likewise
                }
            }
        }
        if (candidates == 0) {
            throw new KeyUnlockException("no private key for " + wanted);
        }
        if (changed.isEmpty()) {
            throw new KeyUnlockException("wrong passphrase for " + wanted);
        }
        index = null;
        return changed;
    }

    /**
     * Replaces an address's key of one format with a new key pair, protected by the same passphrase: the new public
     * key is the one mail is encrypted to from now on; the old keys are kept, marked retired, and still decrypt. The
     * new key is stored before the old ones are marked, so a crash in between leaves both in use, never neither.
     *
     * @throws KeyUnlockException the address has no current private key of that format, or the passphrase opens none
     */
    public KeyInfo rotate(String address, Format format, KeyAlgorithm algorithm, char[] passphrase)
            throws KeyUnlockException, IOException, GeneralSecurityException, PGPException {
        return rotate(address, format, passphrase, () -> generate(address, format, algorithm, passphrase));
    }

    /**
     * {@link #rotate} to a key pair made elsewhere: an OpenPGP secret key or a PKCS#12 file for the address, which
     * must open with the same passphrase (the user's mail password unlocks all of the user's keys).
     */
    public KeyInfo rotateTo(String address, Format format, byte[] importedKey, char[] passphrase)
            throws KeyUnlockException, IOException, GeneralSecurityException, PGPException {
        return rotate(address, format, passphrase, () -> {
            String wanted = Addresses.normalize(address);
            // Opened before it is stored: a key the user's password does not open never becomes the current one.
            if (format == Format.PGP_MIME) {
                OpenPGPKey key;
                try {
                    key = new OpenPGPKeyReader().parseKey(importedKey);
                } catch (IOException | RuntimeException e) {
                    throw new GeneralSecurityException("not an OpenPGP secret key", e);
                }
                PgpKeys.unlock(key, passphrase).close();
            } else {
                SmimeKeys.fromPkcs12(importedKey, passphrase);
            }
            List<KeyInfo> imported = importKeys(importedKey, passphrase);
            KeyInfo fresh = imported.stream().filter(info -> info.format() == format && info.hasSecret()
                    && info.addresses().contains(wanted)).findFirst().orElse(null);
            if (fresh == null || imported.size() != 1) {
                throw new GeneralSecurityException("the file must hold exactly one "
                        + (format == Format.PGP_MIME ? "OpenPGP secret key" : "PKCS#12 key") + " for " + wanted);
            }
            return fresh;
        });
    }

    private interface NewKey {
        KeyInfo make() throws KeyUnlockException, IOException, GeneralSecurityException, PGPException;
    }

    private KeyInfo rotate(String address, Format format, char[] passphrase, NewKey newKey)
            throws KeyUnlockException, IOException, GeneralSecurityException, PGPException {
        String wanted = Addresses.normalize(address);
        List<Path> markers = new ArrayList<>();
        boolean opens = false;
        if (format == Format.PGP_MIME) {
            for (PgpEntry entry : index().pgp()) {
                if (!entry.retired() && entry.secretFile() != null
                        && PgpKeys.allAddresses(entry.certificate()).contains(wanted)) {
                    markers.add(root.resolve(PGP_DIR).resolve(entry.fingerprint() + RETIRED));
                    opens |= opens(() -> PgpKeys.unlock(readSecretKey(entry), passphrase).close());
                }
            }
        } else {
            for (SmimeEntry entry : index().smime()) {
                if (!entry.retired() && entry.pkcs12File() != null
                        && SmimeKeys.addresses(entry.certificate()).contains(wanted)) {
                    markers.add(root.resolve(SMIME_DIR).resolve(entry.fingerprint() + RETIRED));
                    opens |= opens(() -> SmimeKeys.fromPkcs12(read(entry.pkcs12File()), passphrase));
                }
            }
        }
        if (markers.isEmpty()) {
            throw new KeyUnlockException("no current " + (format == Format.PGP_MIME ? "OpenPGP" : "S/MIME")
                    + " private key for " + wanted + " to rotate (generate one instead)");
        }
        if (!opens) {
            throw new KeyUnlockException("wrong passphrase for " + wanted);
        }
        KeyInfo fresh = newKey.make();
        if (markers.stream().anyMatch(marker -> marker.getFileName().toString().startsWith(fresh.fingerprint() + "."))) {
            throw new GeneralSecurityException("the new key is the current one");
        }
        for (Path marker : markers) {
            writeAtomically(marker, new byte[0]);
        }
        index = null;
        return fresh;
    }

    /** The retired keys of an address (see {@link #rotate}). */
    public List<KeyInfo> retired(String address) {
        String wanted = Addresses.normalize(address);
        Date now = Date.from(clock.instant());
        List<KeyInfo> retired = new ArrayList<>();
        for (PgpEntry entry : index().pgp()) {
            if (entry.retired() && PgpKeys.allAddresses(entry.certificate()).contains(wanted)) {
                retired.add(describe(entry, now));
            }
        }
        for (SmimeEntry entry : index().smime()) {
            if (entry.retired() && SmimeKeys.addresses(entry.certificate()).contains(wanted)) {
                retired.add(describe(entry, now));
            }
        }
        return retired;
    }

    /**
     * Deletes an address's retired keys, private and public parts: mail still encrypted only to them can no longer be
     * read, so run it once {@code mailseal rekey} has moved every stored message to the current key.
     *
     * @return the keys deleted
     */
    public List<KeyInfo> purgeRetired(String address) throws IOException {
        String wanted = Addresses.normalize(address);
        Date now = Date.from(clock.instant());
        List<KeyInfo> purged = new ArrayList<>();
        for (PgpEntry entry : index().pgp()) {
            if (entry.retired() && PgpKeys.allAddresses(entry.certificate()).contains(wanted)) {
                purged.add(describe(entry, now));
                Path dir = root.resolve(PGP_DIR);
                // The private key goes first: a crash midway leaves a retired public key, never a current one.
                Files.deleteIfExists(dir.resolve(entry.fingerprint() + ".sec.asc"));
                Files.deleteIfExists(dir.resolve(entry.fingerprint() + ".pub.asc"));
                Files.deleteIfExists(dir.resolve(entry.fingerprint() + RETIRED));
            }
        }
        for (SmimeEntry entry : index().smime()) {
            if (entry.retired() && SmimeKeys.addresses(entry.certificate()).contains(wanted)) {
                purged.add(describe(entry, now));
                Path dir = root.resolve(SMIME_DIR);
                Files.deleteIfExists(dir.resolve(entry.fingerprint() + ".p12"));
                Files.deleteIfExists(dir.resolve(entry.fingerprint() + ".crt.pem"));
                Files.deleteIfExists(dir.resolve(entry.fingerprint() + RETIRED));
            }
        }
        index = null;
        return purged;
    }

    private interface Unlocking {
        void run() throws KeyUnlockException, IOException;
    }

    private static boolean opens(Unlocking unlocking) throws IOException {
        try {
            unlocking.run();
            return true;
        } catch (KeyUnlockException e) {
            return false;
        }
    }

    /**
     * Imports armored or binary OpenPGP (certificates or passphrase-protected secret keys), PEM or DER
     * certificates, or a PKCS#12 file (which needs its passphrase).
     */
    public List<KeyInfo> importKeys(byte[] data, char[] passphrase) throws IOException, GeneralSecurityException {
        Date now = Date.from(clock.instant());
        List<KeyInfo> imported = new ArrayList<>();
        if (looksLikeOpenPgp(data)) {
            for (OpenPGPCertificate certificate : new OpenPGPKeyReader().parseKeysOrCertificates(data)) {
                if (certificate instanceof OpenPGPKey key) {
                    if (!PgpKeys.isProtected(key.getPGPSecretKeyRing())) {
                        throw new GeneralSecurityException("refusing to store an unprotected OpenPGP secret key "
                                + KeyFingerprints.hex(key.getFingerprint()) + "; protect it with a passphrase first");
                    }
                    imported.add(describe(storePgp(key), now));
                } else {
                    imported.add(describe(storePgpCertificate(certificate), now));
                }
            }
            return imported;
        }
        String text = new String(data, StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN X509 CRL-----") || isDerCrl(data)) {
            X509CRL crl = SmimeKeys.parseCrl(data);
            writeAtomically(root.resolve(SMIME_DIR).resolve(KeyFingerprints.hex(sha256(crl.getEncoded())) + ".crl"),
                    data);
            index = null;
            for (SmimeEntry entry : index().smime()) {
                if (entry.revoked() && crl.isRevoked(entry.certificate())) {
                    imported.add(describe(entry, now));
                }
            }
            return imported;
        }
        if (text.contains("-----BEGIN CERTIFICATE-----") || isDerCertificate(data)) {
            for (X509Certificate certificate : SmimeKeys.parseCertificates(data)) {
                imported.add(describe(storeSmime(certificate, null), now));
            }
            return imported;
        }
        if (passphrase == null) {
            throw new GeneralSecurityException("not an OpenPGP key or certificate; a PKCS#12 file needs its passphrase");
        }
        try {
            SmimeKeys.KeyAndCertificate key = SmimeKeys.fromPkcs12(data, passphrase);
            imported.add(describe(storeSmime(key.certificate(), data), now));
            return imported;
        } catch (KeyUnlockException e) {
            throw new GeneralSecurityException("not a key mailseal reads, or wrong PKCS#12 passphrase", e);
        }
    }

    /** Public keys of an address: armored OpenPGP certificates and PEM certificates. */
    public String exportPublic(String address, Format onlyFormat) throws IOException {
        String wanted = Addresses.normalize(address);
        StringBuilder out = new StringBuilder();
        if (onlyFormat != Format.SMIME) {
            for (PgpEntry entry : index().pgp()) {
                if (PgpKeys.allAddresses(entry.certificate()).contains(wanted)) {
                    out.append(PgpKeys.armoredCertificate(entry.certificate()));
                }
            }
        }
        if (onlyFormat != Format.PGP_MIME) {
            for (SmimeEntry entry : index().smime()) {
                if (SmimeKeys.addresses(entry.certificate()).contains(wanted)) {
                    out.append(new String(read(entry.certificateFile()), StandardCharsets.US_ASCII));
                }
            }
        }
        return out.toString();
    }

    /** The stored, still passphrase-protected private key file of an address: armored OpenPGP or PKCS#12. */
    public byte[] exportSecret(String address, Format onlyFormat) throws IOException, KeyUnlockException {
        String wanted = Addresses.normalize(address);
        List<Path> files = new ArrayList<>();
        if (onlyFormat != Format.SMIME) {
            index().pgp().stream()
                    .filter(e -> e.secretFile() != null && PgpKeys.allAddresses(e.certificate()).contains(wanted))
                    .forEach(e -> files.add(e.secretFile()));
        }
        if (onlyFormat != Format.PGP_MIME) {
            index().smime().stream()
                    .filter(e -> e.pkcs12File() != null && SmimeKeys.addresses(e.certificate()).contains(wanted))
                    .forEach(e -> files.add(e.pkcs12File()));
        }
        if (files.isEmpty()) {
            throw new KeyUnlockException("no private key for " + wanted);
        }
        if (files.size() > 1) {
            throw new KeyUnlockException(wanted + " has " + files.size() + " private keys; choose one with --type");
        }
        return read(files.get(0));
    }

    // ---------------------------------------------------------------- storage

    private PgpEntry storePgp(OpenPGPKey key) throws IOException {
        String fingerprint = KeyFingerprints.hex(key.getFingerprint());
        Path secret = root.resolve(PGP_DIR).resolve(fingerprint + ".sec.asc");
        writeAtomically(secret, PgpKeys.armoredSecretKey(key).getBytes(StandardCharsets.US_ASCII));
        storePgpCertificate(key.toCertificate());
        return index().pgp().stream().filter(e -> e.fingerprint().equals(fingerprint)).findFirst().orElseThrow();
    }

    private PgpEntry storePgpCertificate(OpenPGPCertificate certificate) throws IOException {
        String fingerprint = KeyFingerprints.hex(certificate.getFingerprint());
        Path file = root.resolve(PGP_DIR).resolve(fingerprint + ".pub.asc");
        OpenPGPCertificate merged = certificate;
        if (Files.exists(file)) {
            try {
                merged = OpenPGPCertificate.join(new OpenPGPKeyReader().parseCertificate(read(file)), certificate);
            } catch (PGPException e) {
                throw new IOException("cannot merge with stored certificate " + fingerprint, e);
            }
        }
        writeAtomically(file, PgpKeys.armoredCertificate(merged).getBytes(StandardCharsets.US_ASCII));
        index = null;
        return index().pgp().stream().filter(e -> e.fingerprint().equals(fingerprint)).findFirst().orElseThrow();
    }

    private SmimeEntry storeSmime(X509Certificate certificate, byte[] pkcs12) throws IOException {
        String fingerprint = KeyFingerprints.sha256(certificate);
        Path dir = root.resolve(SMIME_DIR);
        try {
            writeAtomically(dir.resolve(fingerprint + ".crt.pem"), SmimeKeys.pem(certificate).getBytes(StandardCharsets.US_ASCII));
        } catch (CertificateException e) {
            throw new IOException("cannot encode certificate", e);
        }
        if (pkcs12 != null) {
            writeAtomically(dir.resolve(fingerprint + ".p12"), pkcs12);
        }
        index = null;
        return index().smime().stream().filter(e -> e.fingerprint().equals(fingerprint)).findFirst().orElseThrow();
    }

    private static byte[] read(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    private static boolean looksLikeOpenPgp(byte[] data) {
        String head = new String(data, 0, Math.min(data.length, 64), StandardCharsets.US_ASCII).stripLeading();
        if (head.startsWith("-----BEGIN PGP")) {
            return true;
        }
        // Binary: an OpenPGP packet header has the high bit set; tags 5, 6 (keys) are what we accept.
        if (data.length == 0 || (data[0] & 0x80) == 0) {
            return false;
        }
        int tag = (data[0] & 0x40) != 0 ? data[0] & 0x3f : (data[0] & 0x3f) >> 2;
        return tag == 5 || tag == 6;
    }

    private static boolean isDerCertificate(byte[] data) {
        try {
            SmimeKeys.parseCertificate(data);
            return true;
        } catch (CertificateException e) {
            return false;
        }
    }

    private static boolean isDerCrl(byte[] data) {
        try {
            SmimeKeys.parseCrl(data);
            return true;
        } catch (java.security.cert.CRLException | java.security.cert.CertificateException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] data) throws java.security.NoSuchAlgorithmException {
        return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static void requirePassphrase(char[] passphrase) {
        if (passphrase == null || passphrase.length == 0) {
            throw new IllegalArgumentException("a non-empty passphrase is required to protect the private key");
        }
    }

    // ---------------------------------------------------------------- index

    private record PgpEntry(String fingerprint, OpenPGPCertificate certificate, Path secretFile, boolean retired) {}

    private record SmimeEntry(String fingerprint, X509Certificate certificate, Path certificateFile, Path pkcs12File,
                              boolean revoked, boolean retired) {}

    private record Index(List<FileTime> stamp, List<PgpEntry> pgp, List<SmimeEntry> smime) {}

    private Index index() {
        try {
            List<FileTime> stamp = List.of(
                    Files.getLastModifiedTime(root.resolve(PGP_DIR)), Files.getLastModifiedTime(root.resolve(SMIME_DIR)));
            Index current = index;
            if (current != null && current.stamp().equals(stamp)) {
                return current;
            }
            current = new Index(stamp, scanPgp(), scanSmime());
            index = current;
            return current;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key home " + root, e);
        }
    }

    private List<PgpEntry> scanPgp() throws IOException {
        List<PgpEntry> entries = new ArrayList<>();
        Path dir = root.resolve(PGP_DIR);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pub.asc")) {
            for (Path file : sorted(files)) {
                String fingerprint = file.getFileName().toString().replace(".pub.asc", "");
                OpenPGPCertificate certificate;
                try {
                    certificate = new OpenPGPKeyReader().parseCertificate(read(file));
                } catch (IOException | RuntimeException e) {
                    continue; // an unreadable file must not take the other keys down
                }
                Path secret = dir.resolve(fingerprint + ".sec.asc");
                entries.add(new PgpEntry(fingerprint, certificate, Files.exists(secret) ? secret : null,
                        Files.exists(dir.resolve(fingerprint + RETIRED))));
            }
        }
        return entries;
    }

    private List<SmimeEntry> scanSmime() throws IOException {
        Path dir = root.resolve(SMIME_DIR);
        List<X509Certificate> certificates = new ArrayList<>();
        List<Path> certificateFiles = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt.pem")) {
            for (Path file : sorted(files)) {
                try {
                    certificates.add(SmimeKeys.parseCertificate(read(file)));
                    certificateFiles.add(file);
                } catch (CertificateException e) {
                    // an unreadable file must not take the other keys down
                }
            }
        }
        List<X509CRL> crls = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crl")) {
            for (Path file : sorted(files)) {
                try {
                    X509CRL crl = SmimeKeys.parseCrl(read(file));
                    if (SmimeKeys.crlIsAuthentic(crl, certificates)) {
                        crls.add(crl);
                    }
                } catch (java.security.cert.CRLException | CertificateException e) {
                    // likewise
                }
            }
        }
        List<SmimeEntry> entries = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            X509Certificate certificate = certificates.get(i);
            Path file = certificateFiles.get(i);
            String fingerprint = file.getFileName().toString().replace(".crt.pem", "");
            Path pkcs12 = dir.resolve(fingerprint + ".p12");
            boolean revoked = crls.stream().anyMatch(crl -> crl.isRevoked(certificate));
            entries.add(new SmimeEntry(fingerprint, certificate, file, Files.exists(pkcs12) ? pkcs12 : null, revoked,
                    Files.exists(dir.resolve(fingerprint + RETIRED))));
        }
        return entries;
    }

    private static List<Path> sorted(DirectoryStream<Path> files) {
        List<Path> list = new ArrayList<>();
        files.forEach(list::add);
        list.sort(null);
        return list;
    }

    // ---------------------------------------------------------------- descriptions

    private static KeyInfo describe(PgpEntry entry, Date now) {
        OpenPGPCertificate certificate = entry.certificate();
        PGPPublicKey primary = certificate.getPrimaryKey().getPGPPublicKey();
        Date expires = certificate.getExpirationTime(now);
        String status;
        if (entry.retired()) {
            status = "retired";
        } else if (certificate.getRevocation(now) != null) {
            status = "revoked";
        } else if (expires != null && !expires.after(now)) {
            status = "expired";
        } else if (certificate.getEncryptionKeys(now).isEmpty()) {
            status = "no-encryption-key";
        } else {
            status = "valid";
        }
        return new KeyInfo(Format.PGP_MIME, entry.fingerprint(), List.copyOf(PgpKeys.allAddresses(certificate)),
                algorithmName(primary), primary.getCreationTime(), expires, status, entry.secretFile() != null);
    }

    private static KeyInfo describe(SmimeEntry entry, Date now) {
        X509Certificate certificate = entry.certificate();
        String status;
        if (entry.retired()) {
            status = "retired";
        } else if (entry.revoked()) {
            status = "revoked";
        } else if (now.before(certificate.getNotBefore())) {
            status = "not-yet-valid";
        } else if (now.after(certificate.getNotAfter())) {
            status = "expired";
        } else if (!SmimeKeys.usableForEncryption(certificate, now)) {
            status = "no-encryption-key";
        } else {
            status = "valid";
        }
        String algorithm = certificate.getPublicKey().getAlgorithm();
        if (certificate.getPublicKey() instanceof java.security.interfaces.RSAKey rsa) {
            algorithm = "rsa" + rsa.getModulus().bitLength();
        }
        return new KeyInfo(Format.SMIME, entry.fingerprint(), List.copyOf(SmimeKeys.addresses(certificate)),
                algorithm, certificate.getNotBefore(), certificate.getNotAfter(), status, entry.pkcs12File() != null);
    }

    private static String algorithmName(PGPPublicKey key) {
        return switch (key.getAlgorithm()) {
            case PublicKeyAlgorithmTags.RSA_GENERAL, PublicKeyAlgorithmTags.RSA_ENCRYPT, PublicKeyAlgorithmTags.RSA_SIGN ->
                    "rsa" + key.getBitStrength();
            case PublicKeyAlgorithmTags.EDDSA_LEGACY, PublicKeyAlgorithmTags.Ed25519 -> "ed25519";
            case PublicKeyAlgorithmTags.Ed448 -> "ed448";
            case PublicKeyAlgorithmTags.ECDSA -> "ecdsa";
            default -> "algorithm-" + key.getAlgorithm();
        };
    }

    @Override
    public String toString() {
        return "FileKeyHome[" + root + "]";
    }


}
