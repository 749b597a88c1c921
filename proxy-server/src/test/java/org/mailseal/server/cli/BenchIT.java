package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code mailseal bench smtp|imap|pop3} run their comparisons and report them; figures are for the README, not asserted. */
class BenchIT {
    @Test
    void aSmallComparisonRunReportsBothSidesWithoutFailures() throws Exception {
        Cli.Result result = Cli.run("bench", "smtp", "--messages", "300", "--clients", "5", "--idle", "50");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String out = result.out();
        for (String row : new String[] {"direct to the sink", "through mailseal"}) {
            Matcher line = Pattern.compile(row + " +(\\d+) +(\\d+) +([\\d.]+) +([\\d.]+)").matcher(out);
            assertThat(line.find()).as(out).isTrue();
            assertThat(Integer.parseInt(line.group(2))).as("failed messages, " + row).isZero();
        }
        assertThat(out).contains("added latency: p50").contains("50 idle sessions open (mailseal counts 50)");
    }

    @Test
    void aSmallImapComparisonReportsDirectColdAndWarmAndIdleSessions() throws Exception {
        Cli.Result result = Cli.run("bench", "imap", "--messages", "50", "--size", "4096", "--idle", "20");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String out = result.out();
        for (String row : new String[] {"direct from the server \\(plaintext\\)", "through mailseal, cold cache",
                "through mailseal, warm cache"}) {
            assertThat(Pattern.compile(row + " +[\\d.]+ +[\\d.]+").matcher(out).find()).as(row + "\n" + out).isTrue();
        }
        assertThat(out).contains("20 IDLE sessions: straight to the server");
    }

    @Test
    void aSmallPop3ComparisonReportsDirectColdWarmAndPlaintextRows() throws Exception {
        Cli.Result result = Cli.run("bench", "pop3", "--messages", "30", "--size", "4096");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String out = result.out();
        for (String row : new String[] {"direct from the server \\(plaintext\\)", "through mailseal, cold cache",
                "through mailseal, warm cache", "plaintext through mailseal", "ciphertext direct from the server"}) {
            assertThat(Pattern.compile(row + " +[\\d.]+ +[\\d.]+ +[\\d.]+").matcher(out).find()).as(row + "\n" + out).isTrue();
        }
        assertThat(out).contains("RETR of 30 messages of 4,096 bytes").contains("one RETR at a time")
                .contains("CPU seconds of the cold run by thread: ").contains("decryption ");
    }
}
