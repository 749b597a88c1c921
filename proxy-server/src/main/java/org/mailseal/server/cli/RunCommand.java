package org.mailseal.server.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.mailseal.server.config.ConfigException;
import org.mailseal.server.config.ConfigLoader;
import org.mailseal.server.config.ListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.run.ProxyServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run mailseal with a YAML configuration (see the README for every key).",
            "SIGTERM (or Ctrl-C) stops accepting connections and lets open sessions finish, up to 30 seconds."})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration file.")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        MailsealConfig loaded = load(config);
        ProxyServer server = ProxyServer.start(loaded);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "mailseal-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < loaded.listeners().size(); i++) {
            ListenerConfig listener = loaded.listeners().get(i);
            InetSocketAddress address = server.addresses().get(i);
            out.printf("  %-12s %-10s %s:%d -> %s:%d%s%n", listener.name(), listener.role().name().toLowerCase(),
                    address.getHostString(), address.getPort(), listener.upstream().host(), listener.upstream().port(),
                    listener.upstream().lmtp() ? " (LMTP)" : "");
        }
        server.adminAddress().ifPresent(admin -> out.printf("  %-12s %-10s %s:%d (/metrics, /health)%n", "admin",
                "http", admin.getHostString(), admin.getPort()));
        out.println("mailseal ready");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }

    /** Loads a configuration, turning its problems into one usage error that lists them all. */
    static MailsealConfig load(Path file) {
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw configProblems(e);
        }
    }

    /** A configuration's problems as one usage error that lists them all. */
    static UserError configProblems(ConfigException e) {
        return new UserError(ExitCodes.USAGE, "configuration has " + e.problems().size() + " problem(s):\n  "
                + String.join("\n  ", e.problems()));
    }
}
