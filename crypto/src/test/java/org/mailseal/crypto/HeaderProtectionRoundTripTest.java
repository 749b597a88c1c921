package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.testing.TestKeys;

/**
 * Header protection (RFC 9788) in both formats: the confidential fields travel only inside the ciphertext, and
 * decryption restores the original header exactly; fields that the outside carries are not trusted over the inside.
 */
class HeaderProtectionRoundTripTest {
    private static final String ADDRESS = "bob@example.org";
    private static final String ORIGINAL = "From: Alice <alice@example.org>\r\n"
            + "To: Bob <bob@example.org>\r\n"
            + "Cc: carol@example.org\r\n"
            + "Subject: =?UTF-8?Q?Gehaltsverhandlung_f=C3=BCr_2027?=\r\n"
            + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
            + "Message-ID: <hp-1@example.org>\r\n"
            + "In-Reply-To: <hp-0@example.org>\r\n"
            + "Keywords: salary, confidential\r\n"
            + "X-Project: Nightingale\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "Let us talk about the numbers.\r\n";

    @TempDir
    static Path dir;
    static FileKeyHome home;
    static List<UnlockedKey> keys;

    @BeforeAll
    static void keys() throws Exception {
        home = TestKeys.home(dir);
        TestKeys.generate(home, ADDRESS, Format.PGP_MIME, KeyAlgorithm.CV25519);
        TestKeys.generate(home, ADDRESS, Format.SMIME, KeyAlgorithm.RSA3072);
        keys = TestKeys.unlock(home, ADDRESS);
    }

    private static String encrypt(Format format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageEncryptor().encrypt(new ByteArrayInputStream(ORIGINAL.getBytes(StandardCharsets.US_ASCII)), out,
                List.of(TestKeys.recipient(home, ADDRESS, format)));
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static String decrypt(String message) throws Exception {
        try (DecryptionResult result = new MessageDecryptor()
                .decrypt(new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)), keys)) {
            return new String(result.message().toByteArray(), StandardCharsets.US_ASCII);
        }
    }

    private static String outerHeader(String message) {
        return message.substring(0, message.indexOf("\r\n\r\n") + 2);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void confidentialFieldsStayInsideAndTheOriginalHeaderIsRestored(Format format) throws Exception {
        String encrypted = encrypt(format);

        String outside = outerHeader(encrypted);
        assertThat(outside)
                .startsWith("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nCc: carol@example.org\r\n"
                        + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hp-1@example.org>\r\n"
                        + "In-Reply-To: <hp-0@example.org>\r\nSubject: ...\r\nMIME-Version: 1.0\r\n")
                .doesNotContain("Gehalt", "Keywords", "salary", "X-Project", "Nightingale");
        assertThat(decrypt(encrypted)).isEqualTo(ORIGINAL);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void theProtectedSubjectWinsOverOneChangedInTransit(Format format) throws Exception {
        String tampered = encrypt(format).replaceFirst("Subject: \\.\\.\\.\r\n", "Subject: URGENT: wire the money\r\n");
        assertThat(tampered).contains("Subject: URGENT");

        String restored = decrypt(tampered);

        assertThat(restored).isEqualTo(ORIGINAL).doesNotContain("URGENT");
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void traceFieldsAddedInTransitAreKept(Format format) throws Exception {
        String received = "Received: from mx.example.org by mail.example.org; Sat, 28 Nov 2026 10:00:05 +0000\r\n";

        String restored = decrypt(received + encrypt(format));

        assertThat(restored).isEqualTo(received + ORIGINAL);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void unprotectedFieldsInjectedOutsideDoNotReachTheReader(Format format) throws Exception {
        String injected = "Reply-To: attacker@evil.example\r\nList-Id: <team.example.org>\r\n";

        String restored = decrypt(injected + encrypt(format));

        assertThat(restored).doesNotContain("attacker@evil.example").isEqualTo("List-Id: <team.example.org>\r\n" + ORIGINAL);
    }
}
