package org.mailseal.crypto.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailseal.crypto.Format;

/**
 * Drives GnuPG in a throwaway home directory: {@code gpg --batch --homedir DIR ...} as a subprocess with a timeout,
 * passphrases through {@code --pinentry-mode loopback}, and the home's gpg-agent stopped on {@link #close()}. The home
 * lives directly under /tmp because the agent's socket path must stay short (about 107 bytes).
 */
public final class GnuPg implements AutoCloseable {
    /** Key types as GnuPG 2.2 generates them in batch mode. */
    public enum KeyType {
        /** Ed25519 primary key, Curve25519 ECDH encryption subkey. */
        CV25519("Key-Type: EDDSA\nKey-Curve: ed25519\nSubkey-Type: ECDH\nSubkey-Curve: cv25519\n"),
        /** RSA 3072 primary key and encryption subkey. */
        RSA3072("Key-Type: RSA\nKey-Length: 3072\nSubkey-Type: RSA\nSubkey-Length: 3072\n");

        private final String parameters;

        KeyType(String parameters) {
            this.parameters = parameters;
        }
    }

    private static final Pattern KEY_CREATED = Pattern.compile("^\\[GNUPG:] KEY_CREATED [BP] ([0-9A-F]{40})$", Pattern.MULTILINE);
    private static final DateTimeFormatter FAKED_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private final Path home;
    private final ExternalCommand.Tool gpg;
    private final ExternalCommand.Tool gpgconf;

    private GnuPg(Path home, Path scratch) {
        this.home = home;
        Map<String, String> environment = Map.of("GNUPGHOME", home.toString(), "LC_ALL", "C");
        this.gpg = new ExternalCommand.Tool(scratch, environment,
                List.of("gpg", "--batch", "--no-tty", "--homedir", home.toString()));
        this.gpgconf = new ExternalCommand.Tool(scratch, environment, List.of("gpgconf", "--homedir", home.toString()));
    }

    /** A new, empty GnuPG home (mode 0700). */
    public static GnuPg start() throws IOException {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "gpg");
        Path scratch = Files.createDirectory(home.resolve("io"));
        return new GnuPg(home, scratch);
    }

    public Path home() {
        return home;
    }

    /** Runs {@code gpg --batch --homedir HOME ARGS...}. */
    public ExternalCommand.Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        return gpg.run(stdin, args);
    }

    /** As {@link #run}, failing unless gpg exited with 0. */
    public ExternalCommand.Result runOk(byte[] stdin, String... args) throws IOException, InterruptedException {
        return gpg.runOk(stdin, args);
    }

    /** Generates an unprotected key for an address (user ID is the bare address) and returns its fingerprint. */
    public String generateKey(String address, KeyType type) throws IOException, InterruptedException {
        return generateKey(address, type, null, "0", null);
    }

    /** Generates a passphrase-protected key and returns its fingerprint. */
    public String generateKey(String address, KeyType type, String passphrase) throws IOException, InterruptedException {
        return generateKey(address, type, passphrase, "0", null);
    }

    /**
     * Generates a key and returns its fingerprint.
     *
     * @param passphrase null for {@code %no-protection}
     * @param expireDate GnuPG's Expire-Date value ({@code 0}, {@code 1d}, an ISO date)
     * @param createdAt  null for now; otherwise GnuPG runs with {@code --faked-system-time}, which makes keys from the
     *                   past (and so keys that have already expired)
     */
    public String generateKey(String address, KeyType type, String passphrase, String expireDate, Instant createdAt)
            throws IOException, InterruptedException {
        String parameters = type.parameters
                + "Name-Email: " + address + "\n"
                + "Expire-Date: " + expireDate + "\n"
                + (passphrase == null ? "%no-protection\n" : "Passphrase: " + passphrase + "\n")
                + "%commit\n";
        List<String> args = new ArrayList<>(List.of("--status-fd", "1", "--pinentry-mode", "loopback"));
        args.addAll(fakedTime(createdAt));
        args.add("--gen-key");
        String status = runOk(parameters.getBytes(StandardCharsets.UTF_8), args.toArray(String[]::new)).stdoutText();
        Matcher created = KEY_CREATED.matcher(status);
        if (!created.find()) {
            throw new IllegalStateException("gpg --gen-key reported no KEY_CREATED:\n" + status);
        }
        return created.group(1);
    }

    private static List<String> fakedTime(Instant at) {
        return at == null ? List.of() : List.of("--faked-system-time", FAKED_TIME.format(at) + "!");
    }

    /** The armored certificate (public key) of a user ID or fingerprint. */
    public byte[] exportPublic(String who) throws IOException, InterruptedException {
        return runOk(null, "--armor", "--export", who).stdout();
    }

    /** The armored secret key, protected with the passphrase it has in this home. */
    public byte[] exportSecret(String who, String passphrase) throws IOException, InterruptedException {
        return runOk(null, "--pinentry-mode", "loopback", "--passphrase", passphrase,
                "--armor", "--export-secret-keys", who).stdout();
    }

    /** Imports certificates or secret keys (a protected secret key needs its passphrase). */
    public void importKeys(byte[] keys, String passphrase) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--pinentry-mode", "loopback"));
        if (passphrase != null) {
            args.addAll(List.of("--passphrase", passphrase));
        }
        args.add("--import");
        runOk(keys, args.toArray(String[]::new));
    }

    /** Imports a mailseal user's PGP/MIME secret key, exported still protected by {@link TestKeys#PASSWORD}. */
    public void importSecretKey(TestUser user) throws Exception {
        importKeys(user.home().exportSecret(user.address(), Format.PGP_MIME), TestKeys.PASSWORD);
    }

    /**
     * Encrypts to the given recipients, ASCII-armored, trusting their keys.
     *
     * @param options further gpg options, such as {@code --compress-algo zip}
     */
    public byte[] encrypt(byte[] plaintext, List<String> recipients, String... options)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--trust-model", "always", "--armor"));
        args.addAll(List.of(options));
        for (String recipient : recipients) {
            args.add("--recipient");
            args.add(recipient);
        }
        args.add("--encrypt");
        return runOk(plaintext, args.toArray(String[]::new)).stdout();
    }

    /**
     * {@code gpg --decrypt}; the result carries gpg's exit code, the plaintext, and on standard error the diagnostics
     * with the machine-readable status lines ({@code [GNUPG:] DECRYPTION_OKAY}, {@code GOODMDC}, ...).
     */
    public ExternalCommand.Result decrypt(byte[] message, String passphrase) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--status-fd", "2", "--pinentry-mode", "loopback"));
        if (passphrase != null) {
            args.addAll(List.of("--passphrase", passphrase));
        }
        args.add("--decrypt");
        return run(message, args.toArray(String[]::new));
    }

    /**
     * {@code gpg --list-packets}: the packet structure, for checking what a message contains. Inside the encrypted
     * packet only when this home has the secret key (and the passphrase, if the key has one).
     */
    public String listPackets(byte[] message, String passphrase) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--pinentry-mode", "loopback"));
        if (passphrase != null) {
            args.addAll(List.of("--passphrase", passphrase));
        }
        args.add("--list-packets");
        return run(message, args.toArray(String[]::new)).stdoutText();
    }

    /** Revokes a key with the revocation certificate that GnuPG stored when it generated the key. */
    public void revoke(String fingerprint) throws IOException, InterruptedException {
        String stored = Files.readString(home.resolve("openpgp-revocs.d").resolve(fingerprint + ".rev"),
                StandardCharsets.US_ASCII);
        // GnuPG prefixes the armor line with a colon so that the file cannot be imported by accident.
        String certificate = stored.replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----");
        importKeys(certificate.getBytes(StandardCharsets.US_ASCII), null);
    }

    /** Stops this home's gpg-agent and deletes the home. */
    @Override
    public void close() throws IOException {
        try {
            gpgconf.run(null, "--kill", "gpg-agent");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping gpg-agent", e);
        } finally {
            ExternalCommand.deleteTree(home);
        }
    }
}
