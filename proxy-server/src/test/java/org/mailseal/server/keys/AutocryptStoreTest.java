package org.mailseal.server.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailseal.server.keys.AutocryptHeaders.date;
import static org.mailseal.server.keys.AutocryptHeaders.field;
import static org.mailseal.server.keys.AutocryptHeaders.header;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.SignatureParameters;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.KeyFingerprints;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;

/** The Autocrypt header parser and the peer state rules of Level 1, on headers alone. */
class AutocryptStoreTest {
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS); // Date fields have seconds
    static final String CAROL = "carol@remote.example";
    static byte[] carolKey;
    static byte[] carolNewKey;
    static byte[] expiredKey;
    static byte[] otherUserIdKey;

    @TempDir
    Path home;
    AutocryptStore store;
    final Set<String> pinned = new java.util.HashSet<>();

    @BeforeAll
    static void keys() throws Exception {
        Date created = Date.from(NOW.minus(Duration.ofDays(100)));
        carolKey = binary(PgpKeys.generate(CAROL, KeyAlgorithm.CV25519, "pw".toCharArray(), created, false));
        carolNewKey = binary(PgpKeys.generate(CAROL, KeyAlgorithm.CV25519, "pw".toCharArray(), created, false));
        otherUserIdKey = binary(PgpKeys.generate("mallory@remote.example", KeyAlgorithm.CV25519, "pw".toCharArray(),
                created, false));
        expiredKey = binary(expiring(CAROL, created, Duration.ofDays(10)));
    }

    @BeforeEach
    void open() throws IOException {
        store = reopen();
    }

    private AutocryptStore reopen() throws IOException {
        return reopen(Set.of());
    }

    private AutocryptStore reopen(Set<String> localDomains) throws IOException {
        return AutocryptStore.open(home, AutocryptConfig.DEFAULTS, pinned::contains, localDomains,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static byte[] binary(OpenPGPKey key) throws IOException {
        return key.toCertificate().getEncoded(PacketFormat.CURRENT);
    }

    /** A key whose primary key and user ID expire {@code validity} after creation. */
    private static OpenPGPKey expiring(String address, Date created, Duration validity) throws Exception {
        SignatureParameters.Callback expiry = new SignatureParameters.Callback() {
            @Override
            public SignatureParameters apply(SignatureParameters parameters) {
                return parameters.setHashedSubpacketsFunction(subpackets -> {
                    subpackets.removePacketsOfType(SignatureSubpacketTags.KEY_EXPIRE_TIME);
                    subpackets.setKeyExpirationTime(false, validity.toSeconds());
                    return subpackets;
                });
            }
        };
        return new BcOpenPGPApi().generateKey(4, created, false)
                .withPrimaryKey(g -> g.generateLegacyEd25519KeyPair(), expiry)
                .addUserId("<" + address + ">", expiry)
                .addEncryptionSubkey(g -> g.generateLegacyX25519KeyPair())
                .build("pw".toCharArray());
    }

    private void receive(String fields) throws IOException {
        store.learn(header(fields + "To: alice@example.org\r\nSubject: hi\r\n"));
    }

    private static String from(Instant sent) {
        return "From: Carol <" + CAROL + ">\r\n" + date(sent);
    }

    private List<String> offered() {
        return store.encryptionKeys("Carol@Remote.Example").stream().map(RecipientKey::fingerprint).toList();
    }

    private static String fingerprint(byte[] key) throws IOException {
        return KeyFingerprints.hex(new org.bouncycastle.openpgp.api.OpenPGPKeyReader().parseCertificate(key)
                .getFingerprint());
    }

    @Test
    void aValidHeaderTeachesTheKeyAndThePreference() throws Exception {
        receive(from(NOW.minus(Duration.ofDays(1))) + field("addr=" + CAROL + "; prefer-encrypt=mutual; ", carolKey));
        assertThat(offered()).containsExactly(fingerprint(carolKey));
        AutocryptStore.Peer peer = store.peer(CAROL).orElseThrow();
        assertThat(peer.mutual()).isTrue();
        assertThat(peer.autocryptTimestamp()).isEqualTo(peer.lastSeen());
    }

    @Test
    void unknownNonCriticalAttributesAreSkipped() throws Exception {
        receive(from(NOW) + field("addr=" + CAROL + "; _comment=hello; ", carolKey));
        assertThat(offered()).hasSize(1);
        assertThat(store.peer(CAROL).orElseThrow().mutual()).isFalse();
    }

    static Stream<Arguments> invalidHeaders() {
        return Stream.of(
                Arguments.of("malformed Base64", "Autocrypt: addr=" + CAROL + "; keydata=not*base64!\r\n"),
                Arguments.of("addr other than From", field("addr=dave@remote.example; ", carolKey)),
                Arguments.of("two valid headers",
                        field("addr=" + CAROL + "; ", carolKey) + field("addr=" + CAROL + "; ", carolNewKey)),
                Arguments.of("unknown critical attribute", field("addr=" + CAROL + "; version=2; ", carolKey)),
                Arguments.of("above 10 KiB", field("addr=" + CAROL + "; _padding=" + "x".repeat(10 * 1024) + "; ", carolKey)),
                Arguments.of("no addr", field("", carolKey)),
                Arguments.of("key without a user ID for the address", field("addr=" + CAROL + "; ", otherUserIdKey)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidHeaders")
    void anInvalidHeaderTeachesNothing(String why, String autocrypt) throws Exception {
        receive(from(NOW) + autocrypt);
        assertThat(store.peer(CAROL)).isEmpty();
        assertThat(store.peer("dave@remote.example")).isEmpty();
    }

    @Test
    void aValidHeaderNextToAnInvalidOneCounts() throws Exception {
        receive(from(NOW) + field("addr=" + CAROL + "; version=2; ", carolNewKey) + field("addr=" + CAROL + "; ", carolKey));
        assertThat(offered()).containsExactly(fingerprint(carolKey));
    }

    @Test
    void anExpiredKeyReplacesTheOldOneButIsNotOffered() throws Exception {
        receive(from(NOW.minus(Duration.ofDays(2))) + field("addr=" + CAROL + "; ", carolKey));
        receive(from(NOW.minus(Duration.ofDays(1))) + field("addr=" + CAROL + "; ", expiredKey));
        assertThat(store.peer(CAROL)).isPresent();
        assertThat(offered()).isEmpty(); // Level 1: the youngest header's key counts, an unusable one as none
    }

    @Test
    void anOlderMessageDoesNotOverrideANewerOne() throws Exception {
        receive(from(NOW.minus(Duration.ofDays(1))) + field("addr=" + CAROL + "; ", carolNewKey));
        receive(from(NOW.minus(Duration.ofDays(3))) + field("addr=" + CAROL + "; ", carolKey));
        assertThat(offered()).containsExactly(fingerprint(carolNewKey));
        receive(from(NOW) + field("addr=" + CAROL + "; ", carolKey));
        assertThat(offered()).containsExactly(fingerprint(carolKey));
    }

    @Test
    void aFutureDateCountsAsTheTimeOfReceipt() throws Exception {
        receive(from(NOW.plus(Duration.ofDays(365))) + field("addr=" + CAROL + "; ", carolKey));
        assertThat(store.peer(CAROL).orElseThrow().autocryptTimestamp()).isEqualTo(NOW);
    }

    @Test
    void mailWithoutTheHeaderForMoreThan35DaysRetiresTheKey() throws Exception {
        receive(from(NOW.minus(Duration.ofDays(50))) + field("addr=" + CAROL + "; ", carolKey));
        receive(from(NOW.minus(Duration.ofDays(20))));
        assertThat(offered()).hasSize(1);
        receive(from(NOW.minus(Duration.ofDays(1))));
        assertThat(offered()).isEmpty();
        assertThat(store.peer(CAROL).orElseThrow().lastSeen()).isEqualTo(NOW.minus(Duration.ofDays(1)));
    }

    @Test
    void aPinnedAddressIsNeitherLearnedNorAnsweredFor() throws Exception {
        pinned.add(CAROL);
        receive(from(NOW) + field("addr=" + CAROL + "; ", carolKey));
        assertThat(store.peer(CAROL)).isEmpty();
        pinned.clear();
        receive(from(NOW) + field("addr=" + CAROL + "; ", carolKey));
        pinned.add(CAROL); // pinned after it was learned: the administrator's key wins
        assertThat(offered()).isEmpty();
    }

    @Test
    void anAddressInALocalDomainIsNeitherLearnedNorAnsweredFor() throws Exception {
        String alice = "alice@local.example";
        byte[] forged = binary(PgpKeys.generate(alice, KeyAlgorithm.CV25519, "pw".toCharArray(),
                Date.from(NOW.minus(Duration.ofDays(1))), false));
        String forgery = "From: <" + alice + ">\r\n" + date(NOW) + field("addr=" + alice + "; ", forged);

        store = reopen(Set.of("Local.Example"));
        receive(forgery); // anyone can write this From line
        assertThat(store.peer(alice)).isEmpty();

        store = reopen(Set.of()); // learned while the domain was not local (say, by an older version)
        receive(forgery);
        assertThat(store.encryptionKeys(alice)).hasSize(1);
        store = reopen(Set.of("local.example"));
        assertThat(store.encryptionKeys(alice)).isEmpty();
    }

    @Test
    void automaticRepliesReportsAndSeveralSendersAreIgnored() throws Exception {
        receive(from(NOW) + "Auto-Submitted: auto-replied\r\n" + field("addr=" + CAROL + "; ", carolKey));
        receive(from(NOW) + "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n"
                + field("addr=" + CAROL + "; ", carolKey));
        receive("From: " + CAROL + ", dave@remote.example\r\n" + date(NOW) + field("addr=" + CAROL + "; ", carolKey));
        assertThat(store.peer(CAROL)).isEmpty();
    }

    @Test
    void theStateSurvivesARestartInOwnerOnlyFiles() throws Exception {
        receive(from(NOW.minus(Duration.ofDays(2))) + field("addr=" + CAROL + "; prefer-encrypt=mutual; ", carolKey));
        receive(from(NOW.minus(Duration.ofDays(1))));
        store = reopen();
        assertThat(offered()).containsExactly(fingerprint(carolKey));
        AutocryptStore.Peer peer = store.peer(CAROL).orElseThrow();
        assertThat(peer.mutual()).isTrue();
        assertThat(peer.lastSeen()).isEqualTo(NOW.minus(Duration.ofDays(1)));
        try (var files = Files.list(home.resolve("autocrypt"))) {
            assertThat(files.toList()).singleElement().satisfies(file -> assertThat(
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("autocrypt"))))
                .isEqualTo("rwx------");
    }
}
