package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyInfo;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.crypto.testing.GnuPg;
import org.mailseal.crypto.testing.TestKeys;

/**
 * Only valid keys are encrypted to: expired and revoked OpenPGP keys (made by GnuPG, with {@code --faked-system-time}
 * for keys from the past), a key whose only encryption subkey expired, a revoked user ID, and X.509 certificates
 * outside their validity are never returned by {@link FileKeyHome#encryptionKeys(String)}, so a policy that requires
 * encryption fails closed for them.
 */
class RecipientKeyValidityTest {
    private static final Instant PAST = Instant.parse("2020-01-01T00:00:00Z");

    @TempDir
    Path dir;
    static GnuPg gpg;

    @BeforeAll
    static void startGpg() throws Exception {
        gpg = GnuPg.start();
    }

    @AfterAll
    static void stopGpg() throws Exception {
        gpg.close();
    }

    private static KeyInfo only(List<KeyInfo> infos) {
        assertThat(infos).hasSize(1);
        return infos.get(0);
    }

    @Test
    void aValidGpgKeyIsUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        String fingerprint = gpg.generateKey("valid@example.org", GnuPg.KeyType.CV25519);

        home.importKeys(gpg.exportPublic(fingerprint), null);

        assertThat(home.encryptionKeys("valid@example.org")).singleElement()
                .satisfies(key -> assertThat(key.fingerprint()).isEqualTo(fingerprint));
        assertThat(only(home.list()).status()).isEqualTo("valid");
    }

    @Test
    void aKeyThatExpiredIsNotUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        String fingerprint = gpg.generateKey("expired@example.org", GnuPg.KeyType.CV25519, null, "1d", PAST);

        home.importKeys(gpg.exportPublic(fingerprint), null);

        assertThat(home.encryptionKeys("expired@example.org")).isEmpty();
        KeyInfo info = only(home.list());
        assertThat(info.status()).isEqualTo("expired");
        assertThat(info.expires()).isEqualTo(Date.from(PAST.plus(Duration.ofDays(1))));
    }

    @Test
    void aKeyWhoseEncryptionSubkeyExpiredIsNotUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        String fingerprint = gpg.generateKey("subkey@example.org", GnuPg.KeyType.CV25519, null, "0", PAST);
        gpg.runOk(null, "--faked-system-time", "20200101T010000!", "--quick-set-expire", fingerprint, "1d", "*");

        home.importKeys(gpg.exportPublic(fingerprint), null);

        assertThat(home.encryptionKeys("subkey@example.org")).isEmpty();
        assertThat(only(home.list()).status()).isEqualTo("no-encryption-key");
    }

    @Test
    void aKeyRevokedAfterImportIsNoLongerUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        String fingerprint = gpg.generateKey("revoked@example.org", GnuPg.KeyType.CV25519);
        home.importKeys(gpg.exportPublic(fingerprint), null);
        assertThat(home.encryptionKeys("revoked@example.org")).hasSize(1);

        gpg.revoke(fingerprint);
        home.importKeys(gpg.exportPublic(fingerprint), null);

        assertThat(home.encryptionKeys("revoked@example.org")).isEmpty();
        assertThat(only(home.list()).status()).isEqualTo("revoked");
    }

    @Test
    void aRevokedUserIdNoLongerNamesTheKey() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        // In the past, an hour apart: within one second GnuPG dates the revocation a second after the user ID's
        // self-signature, which is then still in the future for a check made now.
        String fingerprint = gpg.generateKey("old-name@example.org", GnuPg.KeyType.CV25519, null, "0", PAST);
        gpg.runOk(null, "--faked-system-time", "20200101T010000!", "--quick-add-uid", fingerprint, "new-name@example.org");
        gpg.runOk(null, "--faked-system-time", "20200101T020000!", "--quick-revoke-uid", fingerprint, "old-name@example.org");

        home.importKeys(gpg.exportPublic(fingerprint), null);

        assertThat(home.encryptionKeys("old-name@example.org")).isEmpty();
        assertThat(home.encryptionKeys("new-name@example.org")).singleElement()
                .satisfies(key -> assertThat(key.fingerprint()).isEqualTo(fingerprint));
    }

    @Test
    void aKeyStopsBeingUsedWhenItExpiresLater() throws Exception {
        String fingerprint = gpg.generateKey("yearly@example.org", GnuPg.KeyType.CV25519, null, "1y", null);
        FileKeyHome now = TestKeys.home(dir);
        now.importKeys(gpg.exportPublic(fingerprint), null);
        FileKeyHome inTwoYears = FileKeyHome.open(dir,
                Clock.fixed(Instant.now().plus(Duration.ofDays(730)), ZoneOffset.UTC));

        assertThat(now.encryptionKeys("yearly@example.org")).hasSize(1);
        assertThat(inTwoYears.encryptionKeys("yearly@example.org")).isEmpty();
        assertThat(only(inTwoYears.list()).status()).isEqualTo("expired");
    }

    @Test
    void anExpiredCertificateIsNotUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        Date threeYearsAgo = Date.from(Instant.now().minus(Duration.ofDays(3 * 365)));
        var expired = SmimeKeys.generate("expired@example.org", threeYearsAgo, Duration.ofDays(365));
        assertThat(expired.certificate().getNotAfter()).isBefore(new Date());

        home.importKeys(SmimeKeys.pem(expired.certificate()).getBytes(StandardCharsets.US_ASCII), null);

        assertThat(home.encryptionKeys("expired@example.org")).isEmpty();
        assertThat(only(home.list()).status()).isEqualTo("expired");
    }

    @Test
    void aCertificateNotYetValidIsNotUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        var future = SmimeKeys.generate("future@example.org",
                Date.from(Instant.now().plus(Duration.ofDays(30))), Duration.ofDays(365));

        home.importKeys(SmimeKeys.pem(future.certificate()).getBytes(StandardCharsets.US_ASCII), null);

        assertThat(home.encryptionKeys("future@example.org")).isEmpty();
        assertThat(only(home.list()).status()).isEqualTo("not-yet-valid");
    }

    @Test
    void aCurrentCertificateIsUsed() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        var current = SmimeKeys.generate("current@example.org", new Date(), Duration.ofDays(365));

        home.importKeys(SmimeKeys.pem(current.certificate()).getBytes(StandardCharsets.US_ASCII), null);

        assertThat(home.encryptionKeys("current@example.org")).singleElement()
                .satisfies(key -> assertThat(key.format()).isEqualTo(Format.SMIME));
    }
}
