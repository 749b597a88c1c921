package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.testing.GnuPg;

/** Expired and revoked recipient keys, made by GnuPG and imported: listed with their status, never encrypted to. */
class UnusableKeysIT {
    static final byte[] MESSAGE = "From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    static String home;
    static GnuPg gpg;

    @BeforeAll
    static void importKeys() throws Exception {
        home = dir.resolve("home").toString();
        gpg = GnuPg.start();
        Instant twoYearsAgo = Instant.now().minus(Duration.ofDays(730));
        String expired = gpg.generateKey("expired@example.org", GnuPg.KeyType.CV25519, null, "1y", twoYearsAgo);
        String revoked = gpg.generateKey("revoked@example.org", GnuPg.KeyType.CV25519);
        String valid = gpg.generateKey("valid@example.org", GnuPg.KeyType.CV25519);
        gpg.revoke(revoked);
        for (String fingerprint : new String[] {expired, revoked, valid}) {
            Path file = dir.resolve(fingerprint + ".asc");
            Files.write(file, gpg.exportPublic(fingerprint));
            Cli.Result imported = Cli.run("keys", "import", "--home", home, file.toString());
            assertThat(imported.exitCode()).as(imported.stderr()).isZero();
        }
    }

    @AfterAll
    static void stopAgent() throws Exception {
        gpg.close();
    }

    @Test
    void listingShowsWhyAKeyIsUnusable() throws Exception {
        String listing = Cli.run("keys", "list", "--home", home).out();
        assertThat(listing).containsPattern("pgp +ed25519 +expired .*expired@example.org")
                .containsPattern("pgp +ed25519 +revoked .*revoked@example.org")
                .containsPattern("pgp +ed25519 +valid .*valid@example.org");
    }

    @Test
    void expiredAndRevokedRecipientsExitThreeAndNothingIsWritten() throws Exception {
        for (String recipient : new String[] {"expired@example.org", "revoked@example.org"}) {
            Cli.Result result = Cli.run(MESSAGE, "encrypt", "--home", home, "--to", recipient);
            assertThat(result.exitCode()).as(recipient).isEqualTo(3);
            assertThat(result.stdout()).isEmpty();
            assertThat(result.stderr()).isEqualTo("mailseal: no usable encryption key for " + recipient + "\n");
        }
        Cli.Result valid = Cli.run(MESSAGE, "encrypt", "--home", home, "--to", "valid@example.org");
        assertThat(valid.exitCode()).as(valid.stderr()).isZero();
        assertThat(valid.out()).contains("-----BEGIN PGP MESSAGE-----");
    }
}
