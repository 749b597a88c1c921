package org.mailseal.server.cli;

import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.TimeZone;
import java.util.concurrent.Callable;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.KeyInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys in the key home.")
final class KeysListCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        out.println(String.format("%-5s %-8s %-17s %-6s %-10s %s", "TYPE", "ALGO", "STATUS", "SECRET", "EXPIRES", "ADDRESSES / FINGERPRINT"));
        for (KeyInfo info : home.open().list()) {
            out.println(line(info));
        }
        return ExitCodes.OK;
    }

    static String line(KeyInfo info) {
        return String.format("%-5s %-8s %-17s %-6s %-10s %s %s",
                info.format() == Format.PGP_MIME ? "pgp" : "smime", info.algorithm(), info.status(),
                info.hasSecret() ? "yes" : "no", date(info.expires()), String.join(",", info.addresses()),
                info.fingerprint());
    }

    private static String date(Date date) {
        if (date == null) {
            return "never";
        }
        SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd");
        format.setTimeZone(TimeZone.getTimeZone("UTC"));
        return format.format(date);
    }
}
