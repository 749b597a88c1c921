package org.mailseal.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailseal.crypto.testing.TestUser;

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
    static TestUser bob;

    @BeforeAll
    static void keys() throws Exception {
        bob = TestUser.create(dir, ADDRESS, Format.PGP_MIME, Format.SMIME);
    }

    private static String encrypt(Format format) throws Exception {
        return new String(bob.encrypt(ORIGINAL.getBytes(StandardCharsets.US_ASCII), format), StandardCharsets.US_ASCII);
    }

    private static String decrypt(String message) throws Exception {
        try (DecryptionResult result = bob.decrypt(message.getBytes(StandardCharsets.US_ASCII))) {
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
