package org.mailseal.imap;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the proxy advertises (RFC 3501 §7.2.1), in the greeting, after STARTTLS and after login alike: its own
 * capabilities, plus those of the upstream's that pass through the proxy unchanged. Anything else the upstream has
 * is hidden: COMPRESS, BINARY, SORT, THREAD, ESEARCH, STATUS=SIZE and unknown extensions would show the client
 * the stored ciphertext or bypass the proxy's framing.
 */
final class Capabilities {
    /** Extensions whose commands and responses the proxy relays without needing to understand them. */
    private static final Set<String> PASS_THROUGH = Set.of("IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "ID", "UNSELECT",
            "ENABLE", "SPECIAL-USE", "LIST-EXTENDED", "CONDSTORE", "QRESYNC", "CHILDREN", "LIST-STATUS",
            "WITHIN");

    private Capabilities() {}

    /** Before login. */
    static String beforeLogin(boolean tlsOffered, boolean loginAllowed) {
        StringBuilder words = new StringBuilder("IMAP4rev1 SASL-IR LITERAL-");
        if (tlsOffered) {
            words.append(" STARTTLS");
        }
        words.append(loginAllowed ? " AUTH=PLAIN" : " LOGINDISABLED");
        return words.toString();
    }

    /** After login: the proxy's own and what passes through of the upstream's. */
    static String afterLogin(Set<String> upstream) {
        Set<String> words = new LinkedHashSet<>();
        words.add("IMAP4rev1");
        words.add("LITERAL+");
        for (String capability : upstream) {
            if (PASS_THROUGH.contains(capability)) {
                words.add(capability);
            }
        }
        return String.join(" ", words);
    }
}
