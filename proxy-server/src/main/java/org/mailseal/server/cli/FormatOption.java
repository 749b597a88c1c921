package org.mailseal.server.cli;

import java.util.Locale;
import org.mailseal.crypto.Format;

/** Parses {@code --type pgp|smime}. */
final class FormatOption {
    private FormatOption() {}

    static Format parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "pgp", "openpgp", "pgp-mime" -> Format.PGP_MIME;
            case "smime", "s/mime", "x509" -> Format.SMIME;
            default -> throw new UserError(ExitCodes.USAGE, "unknown --type '" + text + "' (expected pgp or smime)");
        };
    }
}
