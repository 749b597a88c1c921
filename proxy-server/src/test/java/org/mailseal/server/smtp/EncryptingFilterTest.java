package org.mailseal.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.bouncycastle.bcpg.PacketFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.testing.TestUser;
import org.mailseal.server.keys.AutocryptConfig;
import org.mailseal.server.keys.AutocryptHeaders;
import org.mailseal.server.keys.AutocryptStore;
import org.mailseal.server.keys.KeyLookupException;
import org.mailseal.server.ops.CryptoMeters;
import org.mailseal.server.policy.Policy;
import org.mailseal.smtp.MessageContent;
import org.mailseal.smtp.MessageFilter;
import org.mailseal.smtp.OutboundCopy;
import org.mailseal.smtp.SmtpReply;
import org.mailseal.smtp.SmtpSessionConfig;

/** Which copies a message becomes, and what is inside each. */
class EncryptingFilterTest {
    @TempDir
    static Path dir;
    static FileKeyHome home;
    static TestUser bob;
    static TestUser carol;
    static TestUser erin;
    static TestUser partnerGateway;
    static TestUser ourGateway;
    static TestUser stranger;

    static final Policy POLICY = new Policy(new Policy.Rule(Policy.Mode.OPPORTUNISTIC, null),
            Map.of("secure.example", new Policy.Rule(Policy.Mode.REQUIRE, null)), Map.of(),
            Map.of("partner.example", "gateway@partner.example"));

    @BeforeAll
    static void keys() throws Exception {
        home = FileKeyHome.open(dir.resolve("home"));
        bob = TestUser.inHome(home, "bob@example.org", Format.PGP_MIME);
        carol = TestUser.inHome(home, "carol@example.org", Format.SMIME);
        erin = TestUser.inHome(home, "erin@example.org", Format.PGP_MIME);
        partnerGateway = TestUser.inHome(home, "gateway@partner.example", Format.PGP_MIME);
        ourGateway = TestUser.inHome(home, "gateway@example.org", Format.PGP_MIME);
        stranger = TestUser.create(dir.resolve("elsewhere"), "stranger@elsewhere.example", Format.PGP_MIME);
    }

    private static EncryptingFilter filter() {
        return new EncryptingFilter(home, POLICY, CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS, 1 << 16,
                Runnable::run, ourGateway.keys());
    }

    /** A filter whose key directory is down: home keys are still found, anything else fails to look up. */
    private static EncryptingFilter filterWithDirectoryDown() {
        org.mailseal.crypto.keys.KeyDirectory down = address -> {
            if (!home.encryptionKeys(address).isEmpty()) {
                return home.encryptionKeys(address);
            }
            throw new KeyLookupException("ldap ldap://127.0.0.1", "connection refused", null);
        };
        return new EncryptingFilter(down, POLICY, CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS, 1 << 16,
                Runnable::run, ourGateway.keys());
    }

    private static MessageContent content(byte[] bytes) {
        return new MessageContent() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public void close() {
            }
        };
    }

    private static List<OutboundCopy> process(String message, String... recipients) {
        return process(filter(), "alice@example.org", message, recipients);
    }

    private static List<OutboundCopy> process(MessageFilter filter, String sender, String message,
                                              String... recipients) {
        MessageFilter.Envelope envelope = new MessageFilter.Envelope(sender, sender, Map.of(),
                java.util.Arrays.stream(recipients).map(r -> new OutboundCopy.Recipient(r, Map.of())).toList());
        return filter.process(envelope, content(message.getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join();
    }

    private static byte[] bytes(OutboundCopy copy) throws Exception {
        try (InputStream in = copy.content().open()) {
            return in.readAllBytes();
        }
    }

    private static List<String> addresses(OutboundCopy copy) {
        return copy.recipients().stream().map(OutboundCopy.Recipient::address).toList();
    }

    private static final String MESSAGE = "From: alice@example.org\r\nTo: bob@example.org, erin@example.org\r\n"
            + "Cc: carol@example.org, dave@example.org\r\nBcc: eve@example.org\r\nSubject: plans\r\n\r\nsecret plans\r\n";

    @Test
    void sharedCiphertextPerFormatAPrivateCopyForBccAndPlaintextForTheKeyless() throws Exception {
        List<OutboundCopy> copies = process(MESSAGE, "bob@example.org", "erin@example.org", "carol@example.org",
                "dave@example.org", "stranger-bcc@example.org", "bob-bcc@partner.example");
        assertThat(copies).extracting(EncryptingFilterTest::addresses).containsExactly(
                List.of("bob@example.org", "erin@example.org"),       // one PGP/MIME ciphertext for both
                List.of("carol@example.org"),                         // S/MIME
                List.of("bob-bcc@partner.example"),                   // a Bcc recipient: a copy of its own
                List.of("dave@example.org", "stranger-bcc@example.org")); // no key: plaintext
        String shared = new String(bytes(copies.get(0)), StandardCharsets.US_ASCII);
        assertThat(shared).contains("multipart/encrypted").doesNotContain("secret plans").doesNotContain("Bcc");
        for (TestUser reader : List.of(bob, erin)) {
            assertThat(new String(reader.decrypt(bytes(copies.get(0))).message().toByteArray(), StandardCharsets.UTF_8))
                    .contains("Subject: plans").contains("secret plans").doesNotContain("Bcc:");
        }
        assertThat(new String(carol.decrypt(bytes(copies.get(1))).message().toByteArray(), StandardCharsets.UTF_8))
                .contains("secret plans");
        // The partner domain's mail is encrypted to its gateway's key, alone.
        assertThat(new String(partnerGateway.decrypt(bytes(copies.get(2))).message().toByteArray(), StandardCharsets.UTF_8))
                .contains("secret plans");
        assertThatThrownBy(() -> bob.decrypt(bytes(copies.get(2)))).isInstanceOf(DecryptionFailedException.class);
        assertThat(new String(bytes(copies.get(3)), StandardCharsets.UTF_8)).contains("secret plans").doesNotContain("Bcc:");
    }

    @Test
    void recipientsBehindOneGatewayShareOneSessionKeyPacket() throws Exception {
        List<OutboundCopy> copies = process("To: a@partner.example, b@partner.example\r\nSubject: x\r\n\r\nhello\r\n",
                "a@partner.example", "b@partner.example");
        assertThat(copies).singleElement().satisfies(copy -> {
            byte[] armored = org.mailseal.crypto.testing.PgpMime.armoredMessage(bytes(copy));
            byte[] binary = org.bouncycastle.openpgp.PGPUtil.getDecoderStream(new ByteArrayInputStream(armored)).readAllBytes();
            assertThat(org.mailseal.crypto.testing.OpenPgpPackets.split(binary)).filteredOn(p -> p.tag() == 1).hasSize(1);
        });
    }

    @Test
    void mailEncryptedToOurGatewayIsOpenedAndEncryptedPerRecipient() throws Exception {
        String toGateway = new String(ourGateway.encrypt(MESSAGE.getBytes(StandardCharsets.UTF_8), Format.PGP_MIME),
                StandardCharsets.US_ASCII);
        List<OutboundCopy> copies = process(toGateway, "bob@example.org", "dave@example.org");
        assertThat(copies).extracting(EncryptingFilterTest::addresses)
                .containsExactly(List.of("bob@example.org"), List.of("dave@example.org"));
        assertThat(new String(bob.decrypt(bytes(copies.get(0))).message().toByteArray(), StandardCharsets.UTF_8))
                .contains("Subject: plans").contains("secret plans");
        assertThatThrownBy(() -> ourGateway.decrypt(bytes(copies.get(0)))).isInstanceOf(DecryptionFailedException.class);
        assertThat(new String(bytes(copies.get(1)), StandardCharsets.UTF_8)).contains("secret plans");
    }

    @Test
    void otherEncryptedMailPassesThroughByteForByte() throws Exception {
        byte[] foreign = stranger.encrypt(MESSAGE.getBytes(StandardCharsets.UTF_8), Format.PGP_MIME);
        List<OutboundCopy> copies = process(new String(foreign, StandardCharsets.ISO_8859_1), "bob@example.org");
        assertThat(copies).singleElement().satisfies(copy -> assertThat(bytes(copy)).isEqualTo(foreign));
    }

    @Test
    void anAutocryptHeaderFromANewSenderTeachesItsKeyAndTheReplyIsEncryptedToIt() throws Exception {
        TestUser remoteCarol = TestUser.create(dir.resolve("remote"), "carol@remote.example", Format.PGP_MIME);
        byte[] carolsKey = ((RecipientKey.Pgp) remoteCarol.recipient(Format.PGP_MIME)).certificate()
                .getEncoded(PacketFormat.CURRENT);
        AutocryptStore learned = AutocryptStore.open(home.root(), AutocryptConfig.DEFAULTS,
                AutocryptStore.pinnedIn(home), java.util.Set.of("example.org"), Clock.systemUTC());
        KeyDirectory homeThenAutocrypt = address -> {
            List<RecipientKey> pinned = home.encryptionKeys(address);
            return pinned.isEmpty() ? learned.encryptionKeys(address) : pinned;
        };
        EncryptingFilter filter = new EncryptingFilter(homeThenAutocrypt, POLICY, CryptoLimits.DEFAULTS,
                EncryptionOptions.DEFAULTS, 1 << 16, Runnable::run, List.of(), learned);
        String reply = "From: alice@example.org\r\nTo: carol@remote.example\r\nSubject: re: hello\r\n\r\nthe answer\r\n";
        assertThat(process(filter, "alice@example.org", reply, "carol@remote.example")).singleElement()
                .satisfies(copy -> assertThat(new String(bytes(copy), StandardCharsets.UTF_8)).contains("the answer"));

        String inbound = "From: Carol <carol@remote.example>\r\nTo: alice@example.org\r\n"
                + AutocryptHeaders.date(Instant.now())
                + AutocryptHeaders.field("addr=carol@remote.example; prefer-encrypt=mutual; ", carolsKey)
                + "Subject: hello\r\n\r\nhi there\r\n";
        assertThat(process(filter.forRole(SmtpSessionConfig.Role.INBOUND_SMTP), "carol@remote.example", inbound,
                "alice@example.org")).singleElement()
                .satisfies(copy -> assertThat(new String(bytes(copy), StandardCharsets.UTF_8)).contains("hi there"));

        List<OutboundCopy> copies = process(filter, "alice@example.org", reply, "carol@remote.example");
        assertThat(copies).singleElement().satisfies(copy -> {
            assertThat(new String(bytes(copy), StandardCharsets.US_ASCII))
                    .contains("multipart/encrypted").doesNotContain("the answer");
            assertThat(new String(remoteCarol.decrypt(bytes(copy)).message().toByteArray(), StandardCharsets.UTF_8))
                    .contains("the answer");
        });
    }

    @Test
    void aLearnerThatFailsNeverStopsTheMessage() {
        EncryptingFilter filter = new EncryptingFilter(home, POLICY, CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS,
                1 << 16, Runnable::run, List.of(), header -> {
                    throw new IllegalStateException("disk full");
                });
        assertThat(process(filter.forRole(SmtpSessionConfig.Role.INBOUND_SMTP), "carol@remote.example", MESSAGE,
                "bob@example.org")).hasSize(1);
    }

    @Test
    void onlyMailArrivingOnAnInboundListenerIsShownToTheAutocryptLearner() {
        List<String> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
        EncryptingFilter filter = new EncryptingFilter(home, POLICY, CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS,
                1 << 16, Runnable::run, List.of(), header -> shown.add(header.value("Subject").orElse("")));
        String message = "From: carol@remote.example\r\nTo: bob@example.org\r\nSubject: %s\r\n\r\nx\r\n";
        for (SmtpSessionConfig.Role role : SmtpSessionConfig.Role.values()) {
            process(filter.forRole(role), "carol@remote.example", message.formatted(role), "bob@example.org");
        }
        process(filter, "carol@remote.example", message.formatted("no role"), "bob@example.org");
        // A submission is our own user's mail (its From proves nothing about a peer's key) and is never learned from.
        assertThat(shown).containsExactly("INBOUND_SMTP", "INBOUND_LMTP");
    }

    @Test
    void requireWithoutAKeyIsRefusedAtRcptAndWithAKeyIsAccepted() {
        MessageFilter.Envelope envelope = new MessageFilter.Envelope(null, "", Map.of(), List.of());
        SmtpReply refusal = filter().checkRecipient(envelope, "nokey@secure.example").toCompletableFuture().join();
        assertThat(refusal.code()).isEqualTo(550);
        assertThat(refusal.enhanced()).isEqualTo("5.7.1");
        assertThat(filter().checkRecipient(envelope, "bob@example.org").toCompletableFuture().join()).isNull();
        assertThatThrownBy(() -> process("To: nokey@secure.example\r\n\r\nx\r\n", "nokey@secure.example"))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(MessageFilter.Refusal.class);
    }


    @Test
    void directoryDownOpportunisticRecipientsGetPlaintextAndKeyedOnesStillCiphertext() throws Exception {
        EncryptingFilter filter = filterWithDirectoryDown();
        MessageFilter.Envelope envelope = new MessageFilter.Envelope("alice@example.org", "alice@example.org", Map.of(),
                List.of(new OutboundCopy.Recipient("dave@example.org", Map.of()),
                        new OutboundCopy.Recipient("bob@example.org", Map.of())));
        assertThat(filter.checkRecipient(envelope, "dave@example.org").toCompletableFuture().join()).isNull();
        List<OutboundCopy> copies = filter.process(envelope, content(
                "To: dave@example.org, bob@example.org\r\nSubject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().join();
        assertThat(copies).hasSize(2);
        OutboundCopy plain = copies.stream().filter(c -> addresses(c).contains("dave@example.org")).findFirst().orElseThrow();
        assertThat(new String(bytes(plain), StandardCharsets.UTF_8)).contains("hello");
        OutboundCopy encrypted = copies.stream().filter(c -> addresses(c).contains("bob@example.org")).findFirst().orElseThrow();
        assertThat(new String(bytes(encrypted), StandardCharsets.UTF_8)).doesNotContain("hello").contains("multipart/encrypted");
    }

    @Test
    void directoryDownRequiredRecipientsAreRefusedTemporarilyNotPermanently() {
        EncryptingFilter filter = filterWithDirectoryDown();
        MessageFilter.Envelope envelope = new MessageFilter.Envelope("alice@example.org", "alice@example.org", Map.of(),
                List.of(new OutboundCopy.Recipient("nokey@secure.example", Map.of())));
        SmtpReply atRcpt = filter.checkRecipient(envelope, "nokey@secure.example").toCompletableFuture().join();
        assertThat(atRcpt.code()).isEqualTo(451);
        assertThat(atRcpt.enhanced()).isEqualTo("4.7.1");
        assertThat(atRcpt.lines()).containsExactly("Key directory unavailable, try again later");
        assertThatThrownBy(() -> filter.process(envelope, content("To: nokey@secure.example\r\n\r\nx\r\n"
                .getBytes(StandardCharsets.UTF_8))).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(MessageFilter.Refusal.class, r -> assertThat(r.reply().code()).isEqualTo(451));
    }

    @Test
    void whatTheFilterDoesIsCountedByFormatReasonStageAndRole() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        EncryptingFilter counted = new EncryptingFilter(home, POLICY, CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS,
                1 << 16, Runnable::run, ourGateway.keys(), null, new CryptoMeters(registry));
        MessageFilter submission = counted.forRole(SmtpSessionConfig.Role.SUBMISSION);

        process(submission, "alice@example.org", MESSAGE, "bob@example.org", "carol@example.org", "dave@example.org", "x@partner.example");
        process(submission, "alice@example.org", new String(ourGateway.encrypt(MESSAGE.getBytes(StandardCharsets.UTF_8), Format.PGP_MIME),
                StandardCharsets.US_ASCII), "bob@example.org");
        process(submission, "alice@example.org", new String(stranger.encrypt(MESSAGE.getBytes(StandardCharsets.UTF_8), Format.PGP_MIME),
                StandardCharsets.ISO_8859_1), "bob@example.org");
        MessageFilter.Envelope envelope = new MessageFilter.Envelope(null, "", Map.of(), List.of());
        submission.checkRecipient(envelope, "nokey@secure.example").toCompletableFuture().join();
        assertThatThrownBy(() -> process(submission, "alice@example.org", "To: nokey@secure.example\r\n\r\nx\r\n", "nokey@secure.example"))
                .hasCauseInstanceOf(MessageFilter.Refusal.class);

        // bob's shared copy, the partner's gateway copy, bob's copy of what was sent to our gateway
        assertThat(count(registry, "mailseal.messages.encrypted", "protocol", "smtp", "format", "pgp")).isEqualTo(3);
        assertThat(count(registry, "mailseal.messages.encrypted", "protocol", "smtp", "format", "smime")).isEqualTo(1);
        assertThat(count(registry, "mailseal.messages.passed", "protocol", "smtp", "reason", "no-key")).isEqualTo(1);
        assertThat(count(registry, "mailseal.messages.passed", "protocol", "smtp", "reason", "foreign-ciphertext"))
                .isEqualTo(1);
        assertThat(count(registry, "mailseal.messages.decrypted", "protocol", "smtp", "format", "pgp")).isEqualTo(1);
        assertThat(count(registry, "mailseal.policy.rejections", "stage", "rcpt")).isEqualTo(1);
        assertThat(count(registry, "mailseal.policy.rejections", "stage", "data")).isEqualTo(1);
        assertThat(count(registry, "mailseal.messages.relayed", "role", "submission")).isEqualTo(3);
        assertThat(count(registry, "mailseal.messages.relayed", "role", "inbound")).isZero();
    }

    private static double count(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }
}
