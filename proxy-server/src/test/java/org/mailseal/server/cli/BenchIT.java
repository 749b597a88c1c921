package org.mailseal.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code mailseal bench smtp} runs its comparison and reports it; figures are for the README, not asserted. */
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
}
