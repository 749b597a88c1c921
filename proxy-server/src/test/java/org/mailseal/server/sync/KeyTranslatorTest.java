package org.mailseal.server.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.openpgp.PGPUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.SessionKeyRewrapper;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.KeyUnlockException;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.GnuPg;
import org.mailseal.crypto.testing.Messages;
import org.mailseal.crypto.testing.OpenPgpPackets;
import org.mailseal.crypto.testing.PgpMime;
import org.mailseal.crypto.testing.TestKeys;
import org.mailseal.crypto.testing.TestUser;
import org.mailseal.server.sync.KeyTranslator.Outcome;
import org.mailseal.server.sync.KeyTranslator.Translation;

/**
 * Issue 7, key translation: side A's mail encrypted to KA, side B configured for KB. The translated copies open with
 * KB and not KA, their encrypted data packets are A's byte for byte, and both digest alike.
 */
class KeyTranslatorTest {
    /** The laptop's address (KA) and the office's (KB); carol's private key is never unlocked here. */
    private static final String A = "alice@laptop.example";
    private static final String B = "alice@office.example";
    private static final String RSA_B = "alice@rsa-office.example";
    private static final String CAROL = "carol@example.org";
    private static final String SMIME_A = "smime@laptop.example";
    private static final String SMIME_B = "smime@office.example";
    private static final String SECRET = "The quarterly numbers are 4711 and 0815.";

    @TempDir
    static Path dir;
    static FileKeyHome home;
    static List<UnlockedKey> ka;
    static List<UnlockedKey> kb;

    private KeyTranslator translator;

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir.resolve("home"));
        ka = TestUser.inHome(home, A, Format.PGP_MIME).keys();
        kb = TestUser.inHome(home, B, Format.PGP_MIME).keys();
        TestUser.inHome(home, RSA_B, Format.PGP_MIME, KeyAlgorithm.RSA3072);
        TestUser.inHome(home, CAROL, Format.PGP_MIME);
        TestUser.inHome(home, SMIME_A, Format.SMIME);
        TestUser.inHome(home, SMIME_B, Format.SMIME);
    }

    @AfterAll
    static void drop() {
        ka.forEach(UnlockedKey::close);
        kb.forEach(UnlockedKey::close);
    }

    /** As the sync CLI builds it: the source store's address with its mail password. */
    @BeforeEach
    void open() throws Exception {
        translator = KeyTranslator.open(home, Map.of(A, TestKeys.PASSWORD.toCharArray(),
                SMIME_A, TestKeys.PASSWORD.toCharArray()));
    }

    @AfterEach
    void close() {
        translator.close();
    }

    private static byte[] message() {
        return Messages.simple("Numbers", SECRET + "\r\n");
    }

    private static byte[] encrypt(byte[] message, String... addresses) throws Exception {
        List<RecipientKey> recipients = Arrays.stream(addresses).flatMap(a -> home.encryptionKeys(a).stream()).toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(message), out, recipients);
        return out.toByteArray();
    }

    private static String opened(byte[] message, List<UnlockedKey> keys) throws Exception {
        try (DecryptionResult result = new MessageDecryptor().decrypt(new ByteArrayInputStream(message), keys)) {
            return new String(result.message().toByteArray(), StandardCharsets.UTF_8);
        }
    }

    /** The body of the encrypted data packet (SEIPD, tag 18), found by a packet walk of the test's own. */
    private static byte[] seipdBody(byte[] pgpMime) throws Exception {
        byte[] binary = PGPUtil.getDecoderStream(new ByteArrayInputStream(PgpMime.armoredMessage(pgpMime))).readAllBytes();
        return OpenPgpPackets.split(binary).stream().filter(p -> p.tag() == 18).findFirst().orElseThrow().body();
    }

    private static List<Integer> pkeskCount(byte[] pgpMime) throws Exception {
        byte[] binary = PGPUtil.getDecoderStream(new ByteArrayInputStream(PgpMime.armoredMessage(pgpMime))).readAllBytes();
        return OpenPgpPackets.split(binary).stream().map(OpenPgpPackets.Packet::tag).filter(t -> t == 1).toList();
    }

    @Test
    void mailForKaStoredForKbOpensWithKbOnlyAndKeepsTheEncryptedData() throws Exception {
        byte[] original = encrypt(message(), A);

        Translation translation = translator.translate(original, Optional.of(B));

        assertThat(translation.outcome()).isEqualTo(Outcome.REWRAPPED);
        byte[] copy = translation.message();
        assertThat(opened(copy, kb)).contains(SECRET).contains("Subject: Numbers");
        assertThatThrownBy(() -> opened(copy, ka)).isInstanceOf(DecryptionFailedException.class);
        assertThat(seipdBody(copy)).isEqualTo(seipdBody(original)).hasSizeGreaterThan(SECRET.length());
        assertThat(pkeskCount(copy)).hasSize(1);
        assertThat(translator.contentDigest(copy)).isEqualTo(translator.contentDigest(original))
                .isEqualTo(new SessionKeyRewrapper().bulkDigest(original)).hasSize(32);
        assertThat(translator.forStore(original, Optional.of(B))).isNotEqualTo(original);
        assertThat(translator.counts()).containsEntry(Outcome.REWRAPPED, 2L);
    }

    /** From a cv25519 key to an RSA one the session-key packets change length: the general (not spliced) way. */
    @Test
    void rewrapsToAKeyOfAnotherAlgorithm() throws Exception {
        byte[] original = encrypt(Messages.withAttachment("Big", new byte[300_000]), A);

        byte[] copy = translator.forStore(original, Optional.of(RSA_B));

        assertThat(opened(copy, TestUser.existing(home, RSA_B).keys())).contains("Subject: Big");
        assertThatThrownBy(() -> opened(copy, ka)).isInstanceOf(DecryptionFailedException.class);
        assertThat(seipdBody(copy)).isEqualTo(seipdBody(original));
        assertThat(translator.contentDigest(copy)).isEqualTo(translator.contentDigest(original));
    }

    @Test
    void digestsDifferForDifferentEncryptionsAndAreWholeMessageForPlaintext() throws Exception {
        byte[] plain = message();
        assertThat(translator.contentDigest(encrypt(plain, A))).isNotEqualTo(translator.contentDigest(encrypt(plain, A)));
        assertThat(translator.contentDigest(plain)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(plain));
    }

    @Test
    void mailAlreadyForKbIsStoredAsItIs() throws Exception {
        byte[] forB = encrypt(message(), B);
        byte[] forBoth = encrypt(message(), A, B);

        assertThat(translator.translate(forB, Optional.of(B))).isEqualTo(new Translation(Outcome.ALREADY_FOR_STORE, forB));
        Translation both = translator.translate(forBoth, Optional.of(B));
        assertThat(both.outcome()).isEqualTo(Outcome.ALREADY_FOR_STORE);
        assertThat(both.message()).isSameAs(forBoth);
    }

    @Test
    void storeWithoutKeyGetsTheMessageAsItIs() throws Exception {
        byte[] plain = message();
        byte[] forA = encrypt(plain, A);

        assertThat(translator.forStore(plain, Optional.empty())).isSameAs(plain);
        assertThat(translator.forStore(forA, Optional.empty())).isSameAs(forA);
        assertThat(translator.counts()).containsEntry(Outcome.NO_KEY_REQUIRED, 2L);
    }

    @Test
    void plaintextIsEncryptedToTheStoresKey() throws Exception {
        byte[] plain = message();

        Translation translation = translator.translate(plain, Optional.of(B));

        assertThat(translation.outcome()).isEqualTo(Outcome.ENCRYPTED);
        String stored = new String(translation.message(), StandardCharsets.UTF_8);
        assertThat(stored).startsWith("From: ").contains("multipart/encrypted").doesNotContain(SECRET)
                .doesNotContain("Numbers"); // header protection: the real Subject is inside
        assertThat(opened(translation.message(), kb)).contains(SECRET).contains("Subject: Numbers");
        assertThatThrownBy(() -> opened(translation.message(), ka)).isInstanceOf(DecryptionFailedException.class);
        // Once encrypted, a second pass leaves it alone.
        assertThat(translator.translate(translation.message(), Optional.of(B)).outcome())
                .isEqualTo(Outcome.ALREADY_FOR_STORE);
    }

    @Test
    void plaintextForAnSmimeOnlyAddressBecomesSmime() throws Exception {
        Translation translation = translator.translate(message(), Optional.of(SMIME_B));

        assertThat(translation.outcome()).isEqualTo(Outcome.ENCRYPTED);
        assertThat(new String(translation.message(), StandardCharsets.UTF_8)).contains("application/pkcs7-mime")
                .doesNotContain(SECRET);
        assertThat(opened(translation.message(), TestUser.existing(home, SMIME_B).keys())).contains(SECRET);
    }

    @Test
    void smimeIsRewrappedTheSameWay() throws Exception {
        byte[] original = encrypt(message(), SMIME_A);

        Translation translation = translator.translate(original, Optional.of(SMIME_B));

        assertThat(translation.outcome()).isEqualTo(Outcome.REWRAPPED);
        assertThat(opened(translation.message(), TestUser.existing(home, SMIME_B).keys())).contains(SECRET);
        assertThatThrownBy(() -> opened(translation.message(), TestUser.existing(home, SMIME_A).keys()))
                .isInstanceOf(DecryptionFailedException.class);
        assertThat(translator.contentDigest(translation.message())).isEqualTo(translator.contentDigest(original));
        assertThat(translator.translate(translation.message(), Optional.of(SMIME_B)).outcome())
                .isEqualTo(Outcome.ALREADY_FOR_STORE);
    }

    @Test
    void encryptedInAFormatTheStoresAddressHasNoKeyForStaysAsItIs() throws Exception {
        byte[] smime = encrypt(message(), SMIME_A);

        assertThat(translator.translate(smime, Optional.of(B))).isEqualTo(new Translation(Outcome.OTHER_FORMAT, smime));
    }

    @Test
    void mailNoUnlockedKeyOpensIsStoredAsItIsAndCounted() throws Exception {
        byte[] forCarol = encrypt(message(), CAROL);

        Translation translation = translator.translate(forCarol, Optional.of(B));

        assertThat(translation).isEqualTo(new Translation(Outcome.NOT_OPENED, forCarol));
        assertThat(translator.counts()).containsEntry(Outcome.NOT_OPENED, 1L).containsEntry(Outcome.REWRAPPED, 0L);
    }

    @Test
    void aStoreAddressWithoutKeyStoresNothing() {
        assertThatThrownBy(() -> translator.forStore(message(), Optional.of("nobody@example.org")))
                .isInstanceOf(KeyTranslator.NoDestinationKeyException.class)
                .hasMessageContaining("nobody@example.org").hasMessageNotContaining(SECRET);
    }

    /** SEIPD v2 (AEAD) data is opened by KA but not re-wrapped: stored as it is, still KA's. */
    @Test
    void seipdV2IsNotRewrappedAndStaysAsItIs() throws Exception {
        RecipientKey.Pgp v1 = (RecipientKey.Pgp) home.encryptionKeys(A).get(0);
        RecipientKey.Pgp v2 = new RecipientKey.Pgp(v1.address(), v1.certificate(), v1.encryptionKeys(), true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(message()), out, List.of(v2));
        byte[] aead = out.toByteArray();
        assertThat(opened(aead, ka)).as("sanity: KA opens it").contains(SECRET);

        assertThat(translator.translate(aead, Optional.of(B))).isEqualTo(new Translation(Outcome.NOT_REWRAPPABLE, aead));
    }

    @Test
    void truncatedArmorIsStoredAsItIs() throws Exception {
        byte[] original = encrypt(message(), A);
        String text = new String(original, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PGP MESSAGE-----");
        byte[] cut = Arrays.copyOf(original, text.indexOf("\r\n", begin + 40) + 2); // inside the first armor lines

        Translation translation = translator.translate(cut, Optional.of(B));

        assertThat(translation).isEqualTo(new Translation(Outcome.UNREADABLE, cut));
    }

    @Test
    void damagedArmorIsStoredAsItIs() throws Exception {
        byte[] original = encrypt(message(), A);
        String text = new String(original, StandardCharsets.US_ASCII);
        int firstLine = text.indexOf("\r\n", text.indexOf("-----BEGIN PGP MESSAGE-----")) + 2;
        byte[] damaged = text.substring(0, firstLine).concat("!!not base64!!")
                .concat(text.substring(firstLine + 14)).getBytes(StandardCharsets.US_ASCII);

        assertThat(translator.translate(damaged, Optional.of(B))).isEqualTo(new Translation(Outcome.UNREADABLE, damaged));
    }

    /**
     * The message cut at every point: each cut is stored as it is, re-wrapped (the session-key packets were whole),
     * encrypted (the cut fell before the Content-Type), or refused with an IOException; the plaintext is never in what
     * is stored, and nothing else is thrown.
     */
    @Test
    void everyTruncationIsHandledWithoutLeakOrCrash() throws Exception {
        byte[] original = encrypt(message(), A);
        java.util.Set<Object> seen = new java.util.HashSet<>();
        for (int length = 0; length < original.length; length += 7) {
            byte[] cut = Arrays.copyOf(original, length);
            Translation translation;
            try {
                translation = translator.translate(cut, Optional.of(B));
            } catch (java.io.IOException refused) {
                assertThat(refused).hasMessageNotContaining(SECRET);
                seen.add(refused.getClass());
                continue;
            }
            seen.add(translation.outcome());
            assertThat(new String(translation.message(), StandardCharsets.UTF_8)).as("cut at %d", length)
                    .doesNotContain(SECRET);
            if (translation.outcome().unchanged()) {
                assertThat(translation.message()).isSameAs(cut);
            }
            assertThat(translator.contentDigest(cut)).hasSize(32);
        }
        // Cuts in the header, in the armor, and after it (the closing boundary lost) all came up.
        assertThat(seen).contains(Outcome.ENCRYPTED, Outcome.UNREADABLE, Outcome.REWRAPPED);
    }

    @Test
    void aClosedTranslatorRefusesWork() {
        translator.close();
        assertThatThrownBy(() -> translator.forStore(message(), Optional.of(B))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void openSkipsAddressesWithoutAPrivateKeyAndRefusesAWrongPassphrase() throws Exception {
        Map<String, char[]> passphrases = new HashMap<>();
        passphrases.put(A, TestKeys.PASSWORD.toCharArray());
        passphrases.put("elsewhere@example.org", "whatever".toCharArray());
        try (KeyTranslator skipping = KeyTranslator.open(home, passphrases)) {
            assertThat(skipping.unlockedFingerprints()).containsExactlyElementsOf(
                    ka.stream().map(UnlockedKey::fingerprint).toList());
        }
        assertThatThrownBy(() -> KeyTranslator.open(home, Map.of(A, "hunter2-xyz".toCharArray())))
                .isInstanceOf(KeyUnlockException.class).hasMessageNotContaining("hunter2");
    }

    /** GnuPG with KB reads the translated copy, GnuPG with KA no longer does; GnuPG's own mail to KA translates too. */
    @Test
    void gnuPgReadsTheTranslatedCopyWithKbOnly() throws Exception {
        try (GnuPg withKa = GnuPg.start(); GnuPg withKb = GnuPg.start()) {
            withKa.importSecretKey(TestUser.existing(home, A));
            withKb.importSecretKey(TestUser.existing(home, B));
            byte[] fromGpg = PgpMime.wrap("From: bob@example.org\r\nTo: " + A + "\r\nSubject: gpg\r\n",
                    withKa.encrypt(message(), List.of(A)));
            for (byte[] original : List.of(encrypt(message(), A), fromGpg)) {
                byte[] copy = translator.forStore(original, Optional.of(B));
                byte[] armored = PgpMime.armoredMessage(copy);

                ExternalCommand.Result kbResult = withKb.decrypt(armored, TestKeys.PASSWORD);
                assertThat(kbResult.exitCode()).as(kbResult.stderrText()).isZero();
                assertThat(kbResult.stderrText()).contains("[GNUPG:] GOODMDC");
                assertThat(new String(kbResult.stdout(), StandardCharsets.UTF_8)).contains(SECRET);
                ExternalCommand.Result kaResult = withKa.decrypt(armored, TestKeys.PASSWORD);
                assertThat(kaResult.exitCode()).isNotZero();
                assertThat(kaResult.stderrText()).contains("NO_SECKEY").doesNotContain("DECRYPTION_OKAY");
                assertThat(seipdBody(copy)).isEqualTo(seipdBody(original));
            }
        }
    }
}
