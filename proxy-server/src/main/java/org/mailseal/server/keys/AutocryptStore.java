package org.mailseal.server.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyReader;
import org.mailseal.crypto.io.OwnerOnlyFiles;
import org.mailseal.crypto.keys.Addresses;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.mime.AddressLists;
import org.mailseal.crypto.mime.HeaderField;
import org.mailseal.crypto.mime.HeaderSection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys learned from {@code Autocrypt} headers of mail that passes through (Autocrypt Level 1, "Updating Autocrypt
 * Peer State"), kept per peer in {@code <key home>/autocrypt/}, one owner-only file per peer, replaced atomically.
 *
 * <p>Stricter than Level 1 where a gateway must be: the key must carry a user ID for the header's address (Level 1
 * calls it decorative), and it is offered only while that user ID and an encryption subkey are valid now. An address
 * with a pinned key (the administrator's, in the key home) is never learned and never answered for, and neither is
 * an address in one of mailseal's local domains: anyone can put such an address in a From field, and a learned key
 * for it would send the local user's mail (and their own stored copies) to whoever forged it.
 */
public final class AutocryptStore implements KeyDirectory, AutocryptLearner {
    static final String SOURCE = "autocrypt";
    private static final Logger LOG = LoggerFactory.getLogger(AutocryptStore.class);
    private static final String SUFFIX = ".peer";

    private final Path dir;
    private final AutocryptConfig config;
    private final Predicate<String> pinned;
    private final Set<String> localDomains;
    private final Clock clock;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private volatile Consumer<String> changed = address -> { };

    /**
     * What is known of one peer.
     *
     * @param lastSeen           effective date of the newest message from the peer
     * @param autocryptTimestamp effective date of the newest message with a valid Autocrypt header
     * @param keydata            that header's key (binary transferable public key)
     * @param mutual             that header's {@code prefer-encrypt=mutual}
     */
    public record Peer(String addr, Instant lastSeen, Instant autocryptTimestamp, byte[] keydata, boolean mutual) {}

    private AutocryptStore(Path dir, AutocryptConfig config, Predicate<String> pinned, Set<String> localDomains,
                           Clock clock) {
        this.dir = dir;
        this.config = config;
        this.pinned = pinned;
        this.localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.clock = clock;
    }

    /**
     * Opens (creating, mode 0700) {@code <keyHome>/autocrypt} and reads the peers stored there.
     *
     * @param pinned       whether an address has a key the administrator pinned; see {@link #pinnedIn(KeyDirectory)}
     * @param localDomains the domains mailseal accepts mail for (its listeners' {@code localDomains}): never learned
     */
    public static AutocryptStore open(Path keyHome, AutocryptConfig config, Predicate<String> pinned,
                                      Set<String> localDomains, Clock clock) throws IOException {
        AutocryptStore store = new AutocryptStore(OwnerOnlyFiles.ownerOnlyDirectory(keyHome.resolve("autocrypt")),
                config, pinned, Set.copyOf(localDomains), clock);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(store.dir, "*" + SUFFIX)) {
            for (Path file : files) {
                read(file).ifPresent(peer -> store.peers.put(peer.addr(), peer));
            }
        }
        return store;
    }

    /** "Pinned" as having a usable key in the given directory, typically the file key home. */
    public static Predicate<String> pinnedIn(KeyDirectory home) {
        return address -> !home.encryptionKeys(address).isEmpty();
    }

    /**
     * Called with a peer's address whenever what is known of it changes (a new key, or mail without the header), so
     * that a cache in front of the store forgets its answer for the peer instead of serving it until it expires.
     */
    public void onChange(Consumer<String> listener) {
        this.changed = listener;
    }

    public Optional<Peer> peer(String address) {
        return Optional.ofNullable(peers.get(Addresses.normalize(address)));
    }

    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        String wanted = Addresses.normalize(address);
        Peer peer = peers.get(wanted);
        if (peer == null || isLocal(wanted) || pinned.test(wanted)
                || Duration.between(peer.autocryptTimestamp(), peer.lastSeen()).compareTo(config.staleAfter()) > 0) {
            return List.of();
        }
        Date now = Date.from(clock.instant());
        OpenPGPCertificate certificate = certificate(peer.keydata());
        if (certificate == null || !PgpKeys.addresses(certificate, now).contains(wanted)) {
            return List.of();
        }
        RecipientKey.Pgp key = PgpKeys.recipientKey(wanted, certificate, now);
        return key == null ? List.of() : List.of(key);
    }

    @Override
    public void learn(HeaderSection header) {
        boolean autoReplied = header.value("Auto-Submitted")
                .map(v -> v.toLowerCase(Locale.ROOT).startsWith("auto-replied")).orElse(false);
        if (autoReplied || header.contentType().is("multipart/report")) {
            return; // automatic replies and reports say nothing about the sender's mail program
        }
        List<String> from = AddressLists.addresses(header, "From");
        if (from.size() != 1 || header.fields().stream().filter(f -> f.is("From")).count() != 1) {
            return;
        }
        String addr = from.get(0);
        if (isLocal(addr) || pinned.test(addr)) {
            return;
        }
        update(addr, effectiveDate(header), validHeader(header, addr));
    }

    /** Whether the address is in one of mailseal's local domains (whose users' keys are never learned). */
    private boolean isLocal(String address) {
        String normalized = Addresses.normalize(address);
        int at = normalized.lastIndexOf('@');
        return at >= 0 && localDomains.contains(normalized.substring(at + 1));
    }

    /** The single valid Autocrypt header for the sender, or null when there is none or more than one. */
    private AutocryptHeader validHeader(HeaderSection header, String addr) {
        AutocryptHeader valid = null;
        for (HeaderField field : header.fields()) {
            Optional<AutocryptHeader> parsed = AutocryptHeader.parse(field, config.maxHeaderBytes())
                    .filter(h -> h.addr().equals(addr) && boundTo(h.keydata(), addr));
            if (parsed.isPresent()) {
                if (valid != null) {
                    return null; // more than one valid header: all are discarded
                }
                valid = parsed.get();
            }
        }
        return valid;
    }

    private static boolean boundTo(byte[] keydata, String addr) {
        OpenPGPCertificate certificate = certificate(keydata);
        return certificate != null && PgpKeys.allAddresses(certificate).contains(addr);
    }

    /** One public certificate, or null for anything else (garbage, a secret key, several certificates). */
    private static OpenPGPCertificate certificate(byte[] keydata) {
        try {
            List<OpenPGPCertificate> certificates = new OpenPGPKeyReader().parseCertificates(keydata);
            return certificates.size() == 1 && !(certificates.get(0) instanceof OpenPGPKey) ? certificates.get(0) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The Date header's time, or the time of receipt when it is missing, unreadable or in the future. */
    private Instant effectiveDate(HeaderSection header) {
        Instant now = clock.instant();
        try {
            String date = header.value("Date").orElse("").replaceAll("\\([^)]*\\)", "").trim();
            Instant sent = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return sent.isAfter(now) ? now : sent;
        } catch (DateTimeParseException e) {
            return now;
        }
    }

    private synchronized void update(String addr, Instant effective, AutocryptHeader header) {
        Peer old = peers.get(addr);
        if (old == null && (header == null || peers.size() >= config.maxPeers())) {
            return; // only peers that ever sent a key are tracked
        }
        if (old != null && effective.isBefore(old.autocryptTimestamp())) {
            return; // older than what we know: no change (step 1)
        }
        Instant lastSeen = old == null || effective.isAfter(old.lastSeen()) ? effective : old.lastSeen();
        if (header == null && lastSeen.equals(old.lastSeen())) {
            return; // nothing new (steps 2 and 3)
        }
        Peer updated = header == null
                ? new Peer(addr, lastSeen, old.autocryptTimestamp(), old.keydata(), old.mutual())
                : new Peer(addr, lastSeen, effective, header.keydata(), header.mutual());
        try {
            write(updated);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store Autocrypt state in " + dir, e);
        }
        peers.put(addr, updated);
        changed.accept(addr);
        if (header != null && (old == null || !Arrays.equals(old.keydata(), header.keydata()))) {
            LOG.info("Learned a new Autocrypt key for a peer in {}", addr.substring(addr.indexOf('@') + 1));
        }
    }

    private void write(Peer peer) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("addr", peer.addr());
        properties.setProperty("last-seen", peer.lastSeen().toString());
        properties.setProperty("autocrypt-timestamp", peer.autocryptTimestamp().toString());
        properties.setProperty("prefer-encrypt", peer.mutual() ? "mutual" : "nopreference");
        properties.setProperty("keydata", Base64.getEncoder().encodeToString(peer.keydata()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        properties.store(out, null);
        OwnerOnlyFiles.writeAtomically(dir.resolve(fileName(peer.addr())), out.toByteArray());
    }

    private static Optional<Peer> read(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
            return Optional.of(new Peer(Addresses.normalize(properties.getProperty("addr")),
                    Instant.parse(properties.getProperty("last-seen")),
                    Instant.parse(properties.getProperty("autocrypt-timestamp")),
                    Base64.getDecoder().decode(properties.getProperty("keydata")),
                    "mutual".equals(properties.getProperty("prefer-encrypt"))));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Skipping unreadable Autocrypt state file {}", file.getFileName());
            return Optional.empty();
        }
    }

    /** A name that no address can turn into a path: the SHA-256 of the address. */
    private static String fileName(String addr) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(addr.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }
}
