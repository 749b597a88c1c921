package org.mailseal.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real mail clients run as processes for the demo's tests: Python scripts, curl, fetchmail. */
public final class Clients {
    private Clients() {}

    /** Runs a command to its end (at most a minute) and returns what it printed, then a line "exit N". */
    public static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return output + "\nexit " + process.exitValue();
    }

    /** Runs a Python 3 script with arguments; returns its output, and fails the test if it did not exit 0. */
    public static String python(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", "-c", script));
        command.addAll(List.of(args));
        String output = run(command.toArray(String[]::new));
        assertThat(output).as(output).endsWith("\nexit 0");
        return output.substring(0, output.length() - "\nexit 0".length());
    }

    /**
     * Alice sends "Launch plans" with this body to bob (OpenPGP) and carol (S/MIME) through the demo's submission port
     * with Python's smtplib (STARTTLS, AUTH), with a small PDF attached when asked; returns once the mail server holds
     * both copies.
     */
    public static void sendLaunchPlans(Demo demo, String body, boolean attachment) throws Exception {
        String script = """
                import smtplib, ssl, sys
                from email.message import EmailMessage
                m = EmailMessage(); m["From"] = "alice@demo.test"; m["To"] = "bob@demo.test, carol@demo.test"
                m["Subject"] = "Launch plans"
                m.set_content(sys.argv[2])
                if sys.argv[3] == "yes":
                    m.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename="plan.pdf")
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
                    s.starttls(context=ctx); s.login("alice@demo.test", "alice-pw")
                    print("refused:", s.send_message(m))
                """;
        assertThat(python(script, String.valueOf(demo.ports().submission()), body, attachment ? "yes" : "no"))
                .contains("refused: {}");
        assertThat(demo.mailServer().waitForIncomingEmail(10_000, 2)).isTrue();
    }
}
