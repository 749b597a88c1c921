package org.mailseal.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.mailseal.server.demo.Demo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run mailseal in front of an embedded mail server (GreenMail) on loopback, with demo users.",
            "Keys are made in the key home on the first start. Runs until stopped (Ctrl-C)."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--port-base", paramLabel = "B", defaultValue = "10000",
            description = "Ports are B+587 (submission), B+25 (inbound), B+143 (IMAP), B+110 (POP3) and, for the "
                    + "mail server, B+1025 (SMTP), B+1110 (POP3), B+1143 (IMAP). Default: ${DEFAULT-VALUE}.")
    int portBase;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (portBase < 1 || portBase + 1143 > 65535) {
            throw new UserError(ExitCodes.USAGE, "--port-base must leave room for B+1143 below 65536");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("mailseal demo: making keys (first start only) in " + home.resolve() + " ...");
        out.flush();
        Demo demo = Demo.start(home.resolve(), portBase);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.close();
            stopped.countDown();
        }, "mailseal-shutdown"));
        Demo.Ports ports = demo.ports();
        out.printf("  submission  127.0.0.1:%d  (STARTTLS, self-signed; AUTH PLAIN/LOGIN, also without TLS: demo only)%n",
                ports.submission());
        out.printf("  inbound     127.0.0.1:%d  (accepts mail for @%s, encrypts it for the mailbox owner)%n",
                ports.inbound(), Demo.DOMAIN);
        out.printf("  imap        127.0.0.1:%d  (STARTTLS, self-signed; LOGIN also without TLS: demo only; reads decrypted)%n",
                ports.imap());
        out.printf("  pop3        127.0.0.1:%d  (STLS, self-signed; USER/PASS also without TLS: demo only; reads decrypted)%n",
                ports.pop3());
        out.printf("  mail server 127.0.0.1: SMTP %d, POP3 %d, IMAP %d (GreenMail, what mailseal relays to)%n",
                ports.upstreamSmtp(), ports.upstreamPop3(), ports.upstreamImap());
        out.printf("  metrics     http://127.0.0.1:%d/metrics  (Prometheus; health: /health)%n",
                demo.adminAddress().getPort());
        out.println("  users (log in with the full address; the password also protects the user's key):");
        for (Demo.User user : Demo.USERS) {
            out.printf("    %-18s %-10s %s%n", user.address(), user.password(),
                    user.keyFormat() == null ? "no key" : user.keyFormat() == org.mailseal.crypto.Format.SMIME
                            ? "S/MIME certificate" : "OpenPGP key");
        }
        out.println("  policy: opportunistic (encrypt when a key exists)");
        out.println("mailseal demo ready");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
