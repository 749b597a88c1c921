package org.mailseal.server.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.AuthProvider;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.SmimeKeys;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.ExternalCommand;
import org.mailseal.crypto.testing.OpenSsl;
import org.mailseal.crypto.testing.TestUser;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.config.ListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * The gateway key in a real PKCS#11 token (SoftHSM): an RSA key pair generated inside the token (sensitive, never
 * extractable) with a certificate stored beside it. Mail that a client encrypted to the gateway certificate is
 * decrypted by the SMTP proxy with the key in the token, and encrypted again per recipient.
 *
 * <p>SoftHSM finds its tokens through {@code SOFTHSM2_CONF}, read from the environment of the test JVM: surefire
 * sets it (proxy-server/pom.xml) to a file that this test writes before the library is first loaded, pointing at a
 * token directory of its own. Skipped only when SoftHSM (softhsm2) or pkcs11-tool (opensc) is not installed.
 */
class Pkcs11GatewayTest {
    static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    static final String PIN = "5678";
    static final String MESSAGE = "From: alice@example.org\r\nTo: bob@example.org, carol@example.org\r\n"
            + "Cc: dave@example.org\r\nSubject: token plans\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nThe plan, opened by the token.\r\n";

    @TempDir
    static Path dir;
    static Map<String, String> softhsm;
    static GreenMail mta;
    static FileKeyHome home;
    static TestUser bob;
    static TestUser carol;
    static java.security.cert.X509Certificate gatewayCertificate;

    @BeforeAll
    static void tokenKeysAndMailServer() throws Exception {
        assumeTrue(Files.isReadable(LIBRARY) && onPath("softhsm2-util") && onPath("pkcs11-tool"),
                "SoftHSM (softhsm2) and pkcs11-tool (opensc) are not installed");
        String conf = System.getenv("SOFTHSM2_CONF");
        assertThat(conf).as("SOFTHSM2_CONF, set by surefire (proxy-server/pom.xml)").isNotBlank();
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Files.createDirectories(Path.of(conf).getParent());
        Files.writeString(Path.of(conf), "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                + "log.level = ERROR\n");
        softhsm = Map.of("SOFTHSM2_CONF", conf);
        tool("softhsm2-util", "--init-token", "--free", "--label", "mailseal-test", "--so-pin", "1234", "--pin", PIN);

        // The gateway key is made inside the token; only its public half comes out, for the certificate.
        pkcs11("--keypairgen", "--key-type", "rsa:2048", "--label", "gateway", "--id", "01");
        Path publicKey = dir.resolve("gateway.pub.der");
        pkcs11("--read-object", "--type", "pubkey", "--id", "01", "-o", publicKey.toString());
        PublicKey gatewayPublic = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Files.readAllBytes(publicKey)));
        SmimeKeys.KeyAndCertificate ca = SmimeKeys.generate("ca@example.org", new Date(), Duration.ofDays(1));
        gatewayCertificate = issue(ca, "gateway@example.org", gatewayPublic);
        pkcs11("--write-object", write("gateway.crt.der", gatewayCertificate.getEncoded()).toString(), "--type", "cert",
                "--id", "01", "--label", "gateway");

        // A key stored with CKA_SENSITIVE false: the token would reveal its value, so mailseal must refuse it.
        // (SoftHSM makes every key sensitive unless told otherwise; only the PKCS#11 API itself can say so.)
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        var revealed = generator.generateKeyPair();
        AuthProvider importer = (AuthProvider) Security.getProvider("SunPKCS11").configure("--name = test-import\n"
                + "library = " + LIBRARY + "\nslotListIndex = 0\n"
                + "attributes(*, CKO_PRIVATE_KEY, *) = {\n  CKA_SENSITIVE = false\n  CKA_EXTRACTABLE = true\n}\n");
        KeyStore store = KeyStore.getInstance("PKCS11", importer);
        store.load(null, PIN.toCharArray());
        store.setKeyEntry("revealed", revealed.getPrivate(), null,
                new Certificate[] {issue(ca, "revealed@example.org", revealed.getPublic())});
        importer.logout();

        home = FileKeyHome.open(dir.resolve("home"));
        bob = TestUser.inHome(home, "bob@example.org", Format.PGP_MIME);
        carol = TestUser.inHome(home, "carol@example.org", Format.SMIME);
        mta = new GreenMail(new ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
        mta.start();
        mta.setUser("alice@example.org", "alice@example.org", "alice-pw");
    }

    @AfterAll
    static void stop() {
        if (mta != null) {
            mta.stop();
        }
    }

    @Test
    void theGatewayKeyIsMadeInTheTokenAndNeverLeavesIt() throws Exception {
        String objects = pkcs11("--list-objects", "--type", "privkey", "--id", "01").stdoutText();
        assertThat(objects).contains("label:      gateway")
                .contains("sensitive, always sensitive, never extractable, local");
        try (GatewayToken token = GatewayToken.open(tokenKey("gateway", new MailsealConfig.PinSource.File(pinFile())))) {
            UnlockedKey.Smime key = token.key();
            assertThat(key.certificate()).isEqualTo(gatewayCertificate);
            assertThat(key.keyProvider().getName()).isEqualTo("SunPKCS11-mailseal-gateway");
            // A handle, not a value: no encoding, no private exponent ...
            assertThat(key.privateKey().getEncoded()).isNull();
            assertThat(key.privateKey()).isNotInstanceOf(RSAPrivateKey.class);
            // ... that no software provider can use; only the token decrypts with it.
            Cipher software = Cipher.getInstance("RSA/ECB/PKCS1Padding", "SunJCE");
            assertThatThrownBy(() -> software.init(Cipher.DECRYPT_MODE, key.privateKey()))
                    .isInstanceOf(java.security.InvalidKeyException.class);
            Cipher wrap = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            wrap.init(Cipher.ENCRYPT_MODE, gatewayCertificate.getPublicKey());
            Cipher inToken = Cipher.getInstance("RSA/ECB/PKCS1Padding", key.keyProvider());
            inToken.init(Cipher.DECRYPT_MODE, key.privateKey());
            assertThat(inToken.doFinal(wrap.doFinal(new byte[] {1, 2, 3}))).containsExactly(1, 2, 3);
        }
    }

    @Test
    void mailEncryptedToTheTokenKeyIsDecryptedThereAndEncryptedPerRecipient() throws Exception {
        // Configured as an administrator would: the YAML's keys.gateway.pkcs11, PIN from a file.
        MailsealConfig loaded = ConfigLoader.load(write("mailseal.yaml", ("""
                keys:
                  home: %s
                  gateway:
                    address: gateway@example.org
                    pkcs11:
                      library: %s
                      slotIndex: 0
                      keyLabel: gateway
                      pinFile: %s
                listeners:
                  - role: submission
                    listen: 127.0.0.1:2525
                    upstream: {host: 127.0.0.1, port: 25}
                """).formatted(dir.resolve("home"), LIBRARY, pinFile()).getBytes(StandardCharsets.UTF_8)));
        assertThat(loaded.gateway().passphrase()).isNull();
        UpstreamConfig upstream = UpstreamConfig.plain("127.0.0.1", mta.getSmtp().getPort(), "mailseal.test")
                .withPlaintextAuth(true); // loopback only
        MailsealConfig config = new MailsealConfig(loaded.keyHome(), loaded.policy(), loaded.encryption(),
                loaded.maxMessageBytes(), loaded.maxRecipients(), loaded.spoolMemoryBytes(),
                List.of(new ListenerConfig("submission", SmtpSessionConfig.Role.SUBMISSION, "127.0.0.1", 0,
                        "mailseal.test", null, false, true, Set.of(), upstream)),
                loaded.gateway(), List.of(), List.of(), loaded.keySources(), loaded.connectionLimits(), null);

        // Encrypted to the gateway by mailseal's own encryptor (AuthEnvelopedData, AES-GCM) and by openssl.
        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        new MessageEncryptor(CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS).encrypt(
                new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.UTF_8)), ours,
                List.of(new RecipientKey.Smime("gateway@example.org", gatewayCertificate, true)));
        byte[] theirs;
        try (OpenSsl openssl = OpenSsl.start()) {
            byte[] entity = MESSAGE.substring(MESSAGE.indexOf("Content-Type:")).getBytes(StandardCharsets.UTF_8);
            byte[] smime = openssl.cmsEncrypt(entity, "-aes-256-gcm",
                    openssl.write("gateway.crt.pem", SmimeKeys.pem(gatewayCertificate).getBytes(StandardCharsets.US_ASCII)));
            String header = MESSAGE.substring(0, MESSAGE.indexOf("MIME-Version:"));
            theirs = (header + new String(smime, StandardCharsets.US_ASCII).replace("\r\n", "\n").replace("\n", "\r\n"))
                    .getBytes(StandardCharsets.US_ASCII);
        }
        assertThat(new String(ours.toByteArray(), StandardCharsets.US_ASCII)).contains("application/pkcs7-mime")
                .doesNotContain("opened by the token");

        try (ProxyServer server = ProxyServer.start(config)) {
            int port = server.addresses().get(0).getPort();
            byte[] fromUs = ours.toByteArray();
            for (byte[] toGateway : List.of(fromUs, theirs)) {
                mta.purgeEmailFromAllMailboxes();
                send(port, toGateway, "bob@example.org", "carol@example.org", "dave@example.org");
                assertThat(mta.waitForIncomingEmail(10_000, 3)).isTrue();
                // bob (OpenPGP) and carol (S/MIME) each get a copy encrypted to them; dave, without a key, plaintext.
                String bobCopy = only("bob@example.org");
                assertThat(bobCopy).contains("multipart/encrypted").doesNotContain("opened by the token");
                assertThat(opened(bob, bobCopy)).contains("Subject: token plans").endsWith(
                        "\r\n\r\nThe plan, opened by the token.\r\n");
                String carolCopy = only("carol@example.org");
                assertThat(carolCopy).contains("application/pkcs7-mime").doesNotContain("opened by the token");
                assertThat(opened(carol, carolCopy)).contains("Subject: token plans").endsWith(
                        "\r\n\r\nThe plan, opened by the token.\r\n");
                // (The mail server's copy lost its final line end.)
                String daveCopy = only("dave@example.org");
                assertThat(daveCopy).contains("Subject: token plans").endsWith("\r\n\r\nThe plan, opened by the token.");
                if (toGateway == fromUs) {
                    assertThat(daveCopy).endsWith(MESSAGE.stripTrailing()); // the whole message as alice wrote it
                }
            }
        }
    }

    @Test
    void aMissingLabelAWrongPinAndARevealedKeyStopStartUp() throws Exception {
        Path pin = pinFile();
        assertThatThrownBy(() -> GatewayToken.open(tokenKey("nobody", new MailsealConfig.PinSource.File(pin))).close())
                .hasMessageContaining("keys.gateway.pkcs11.keyLabel").hasMessageContaining("'nobody'")
                .hasMessageContaining("'gateway'");
        Path wrong = write("wrong.pin", "8765\n".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> GatewayToken.open(tokenKey("gateway", new MailsealConfig.PinSource.File(wrong))).close())
                .hasMessageContaining("keys.gateway.pkcs11: cannot log in to the token (wrong PIN?)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("8765"));
        assertThatThrownBy(() -> GatewayToken.open(tokenKey("revealed", new MailsealConfig.PinSource.File(pin))).close())
                .hasMessageContaining("CKA_SENSITIVE is false");
        // After all that, the token still opens with the right PIN.
        GatewayToken.open(tokenKey("gateway", new MailsealConfig.PinSource.File(pin))).close();
    }

    // ------------------------------------------------------------------ helpers

    private static MailsealConfig.TokenKey tokenKey(String label, MailsealConfig.PinSource pin) {
        return new MailsealConfig.TokenKey(LIBRARY, null, 0, label, pin);
    }

    private static Path pinFile() throws Exception {
        return write("token.pin", (PIN + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static java.security.cert.X509Certificate issue(SmimeKeys.KeyAndCertificate ca, String address,
                                                           PublicKey subjectKey) throws Exception {
        Date now = new Date();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(),
                BigInteger.valueOf(System.nanoTime()), new Date(now.getTime() - 60_000), new Date(now.getTime() + 86_400_000),
                new X500Name("CN=" + address), subjectKey);
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyEncipherment));
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.rfc822Name, address)));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(ca.privateKey())));
    }

    private static Path write(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    private static boolean onPath(String tool) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, tool))) {
                return true;
            }
        }
        return false;
    }

    private static ExternalCommand.Result tool(String... command) throws Exception {
        return ExternalCommand.run(dir, softhsm, null, List.of(command)).requireSuccess();
    }

    private static ExternalCommand.Result pkcs11(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("pkcs11-tool", "--module", LIBRARY.toString(),
                "--token-label", "mailseal-test", "--login", "--pin", PIN));
        command.addAll(List.of(args));
        return tool(command.toArray(String[]::new));
    }

    /** A real SMTP client (Python's smtplib) sends the message bytes as they are. */
    private static void send(int port, byte[] message, String... recipients) throws Exception {
        Path file = write("outgoing.eml", message);
        String script = """
                import smtplib, sys
                with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
                    s.login("alice@example.org", "alice-pw")
                    print("refused:", s.sendmail("alice@example.org", sys.argv[3:], open(sys.argv[2], "rb").read()))
                """;
        List<String> command = new java.util.ArrayList<>(List.of("python3", "-c", script, String.valueOf(port), file.toString()));
        command.addAll(List.of(recipients));
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as(output).contains("refused: {}");
    }

    /** The one message the mail server holds for a recipient, as it received it. */
    private static String only(String address) throws Exception {
        var user = mta.getUserManager().getUserByEmail(address);
        var messages = mta.getManagers().getImapHostManager().getInbox(user).getMessages();
        assertThat(messages).as(address).hasSize(1);
        MimeMessage message = messages.get(0).getMimeMessage();
        return GreenMailUtil.getWholeMessage(message).replace("\r\n", "\n").replace("\n", "\r\n");
    }

    private static String opened(TestUser reader, String message) throws Exception {
        try (var result = reader.decrypt(message.getBytes(StandardCharsets.US_ASCII))) {
            return new String(result.message().toByteArray(), StandardCharsets.UTF_8);
        }
    }
}
