package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The mailseal command line, run from the shaded jar: round trips, exit codes, one-line errors. */
class CliIT {
    @TempDir
    static Path dir;
    static String home;
    static Path passwordFile;

    static final byte[] MESSAGE = ("From: Alice <alice@example.org>\n"
            + "To: Bob <bob@example.org>\n"
            + "Subject: Lunch on Friday\n"
            + "Content-Type: text/plain; charset=utf-8\n"
            + "\n"
            + "Grüße — see you at noon.\n").getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void keys() throws Exception {
        home = dir.resolve("home").toString();
        passwordFile = dir.resolve("bob.pw");
        Files.writeString(passwordFile, "bob's passphrase\n");
        Cli.Result pgp = Cli.run("keys", "generate", "--home", home, "--email", "bob@example.org",
                "--password-file", passwordFile.toString());
        assertThat(pgp.exitCode()).as(pgp.stderr()).isZero();
        Cli.Result smime = Cli.run("keys", "generate", "--home", home, "--email", "carol@example.org",
                "--password", "carol pw", "--type", "smime");
        assertThat(smime.exitCode()).as(smime.stderr()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "keys", "keys generate", "keys import", "keys export", "keys list", "keys passwd",
        "keys retire",
        "keys rotate", "encrypt", "decrypt",
        "run", "demo", "config", "config check"})
    void everyCommandHasHelp(String command) throws Exception {
        String[] args = (command + " --help").trim().split(" ");
        Cli.Result result = Cli.run(args);
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: mailseal" + (command.isEmpty() ? "" : " " + command));
    }

    @Test
    void listShowsGeneratedKeys() throws Exception {
        Cli.Result result = Cli.run("keys", "list", "--home", home);
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).containsPattern("pgp +ed25519 +valid +yes +never +bob@example.org [0-9A-F]{40}")
                .containsPattern("smime +rsa3072 +valid +yes .*carol@example.org [0-9A-F]{64}");
    }

    @Test
    void encryptThenDecryptRestoresTheMessage() throws Exception {
        Cli.Result encrypted = Cli.run(MESSAGE, "encrypt", "--home", home);
        assertThat(encrypted.exitCode()).as(encrypted.stderr()).isZero();
        assertThat(encrypted.out()).contains("multipart/encrypted").contains("Subject: ...").doesNotContain("Lunch");

        Cli.Result decrypted = Cli.run(encrypted.stdout(), "decrypt", "--home", home, "--user", "bob@example.org",
                "--password-file", passwordFile.toString());
        assertThat(decrypted.exitCode()).as(decrypted.stderr()).isZero();
        assertThat(decrypted.out()).contains("Subject: Lunch on Friday\r\n").endsWith("\r\n\r\nGrüße — see you at noon.\r\n");
    }

    @Test
    void smimeRecipientGetsSmime() throws Exception {
        Cli.Result encrypted = Cli.run(MESSAGE, "encrypt", "--home", home, "--to", "carol@example.org");
        assertThat(encrypted.exitCode()).as(encrypted.stderr()).isZero();
        assertThat(encrypted.out()).contains("application/pkcs7-mime; smime-type=authEnveloped-data");
        Cli.Result decrypted = Cli.run(encrypted.stdout(), "decrypt", "--home", home, "--user", "carol@example.org",
                "--password", "carol pw");
        assertThat(decrypted.exitCode()).as(decrypted.stderr()).isZero();
        assertThat(decrypted.out()).contains("Subject: Lunch on Friday");
    }

    @Test
    void recipientWithoutKeyExitsThree() throws Exception {
        Cli.Result result = Cli.run(MESSAGE, "encrypt", "--home", home, "--to", "nobody@example.org");
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEmpty();
        assertOneLineError(result, "no usable encryption key for nobody@example.org");
    }

    @Test
    void recipientsWithoutCommonFormatExitThree() throws Exception {
        Cli.Result result = Cli.run(MESSAGE, "encrypt", "--home", home, "--to", "bob@example.org", "--to", "carol@example.org");
        assertThat(result.exitCode()).isEqualTo(3);
        assertOneLineError(result, "no key format in common");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        assertThat(Cli.run("encrypt", "--no-such-option").exitCode()).isEqualTo(2);
        for (String group : new String[] {"keys", "config", "bench"}) {
            Cli.Result bare = Cli.run(group);
            assertThat(bare.exitCode()).as(group).isEqualTo(2);
            assertThat(bare.stderr()).startsWith("mailseal: Missing required subcommand");
        }
        assertThat(Cli.run("keys", "generate", "--home", home).exitCode()).isEqualTo(2);
        Cli.Result badType = Cli.run("keys", "generate", "--home", home, "--email", "x@example.org", "--password", "p",
                "--type", "rot13");
        assertThat(badType.exitCode()).isEqualTo(2);
        assertOneLineError(badType, "unknown --type 'rot13'");
        assertThat(Cli.run("keys", "import", "--home", home, dir.resolve("missing.asc").toString()).exitCode()).isEqualTo(2);
    }

    @Test
    void decryptionFailuresExitFourAndWriteNothing() throws Exception {
        Cli.Result encrypted = Cli.run(MESSAGE, "encrypt", "--home", home);
        byte[] tampered = encrypted.stdout().clone();
        String text = new String(tampered, StandardCharsets.US_ASCII);
        int inArmor = text.indexOf("-----BEGIN PGP MESSAGE-----") + 80;
        tampered[inArmor] = (byte) (tampered[inArmor] == 'A' ? 'B' : 'A');

        Cli.Result wrongPassword = Cli.run(encrypted.stdout(), "decrypt", "--home", home, "--user", "bob@example.org",
                "--password", "not it");
        Cli.Result corrupt = Cli.run(tampered, "decrypt", "--home", home, "--user", "bob@example.org",
                "--password-file", passwordFile.toString());
        Cli.Result plain = Cli.run(MESSAGE, "decrypt", "--home", home, "--user", "bob@example.org",
                "--password-file", passwordFile.toString());
        for (Cli.Result result : new Cli.Result[] {wrongPassword, corrupt, plain}) {
            assertThat(result.exitCode()).isEqualTo(4);
            assertThat(result.stdout()).isEmpty();
        }
        assertOneLineError(wrongPassword, "wrong passphrase");
        assertOneLineError(corrupt, "decryption failed");
        assertOneLineError(plain, "not an encrypted message");
    }

    @Test
    void exportedPublicKeyImportsIntoAnotherHome() throws Exception {
        Cli.Result exported = Cli.run("keys", "export", "--home", home, "--email", "bob@example.org");
        assertThat(exported.exitCode()).isZero();
        assertThat(exported.out()).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Path file = dir.resolve("bob.asc");
        Files.write(file, exported.stdout());
        String other = dir.resolve("other").toString();
        Cli.Result imported = Cli.run("keys", "import", "--home", other, file.toString());
        assertThat(imported.exitCode()).as(imported.stderr()).isZero();
        assertThat(imported.out()).contains("bob@example.org").contains(" no ");
        Cli.Result secret = Cli.run("keys", "export", "--home", home, "--email", "bob@example.org", "--secret");
        assertThat(secret.out()).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----");
    }

    private static void assertOneLineError(Cli.Result result, String text) {
        assertThat(result.stderr()).startsWith("mailseal: ").contains(text).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(result.stderr().strip().lines()).hasSize(1);
    }
}
