package org.mailseal.imap.search;

import java.util.ArrayList;
import java.util.List;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;

/**
 * The text FROM, TO, CC and BCC search in, as Dovecot builds it: the address list parsed (RFC 5322 §3.4) and
 * written back normalized, comments dropped, {@code name <local@domain>} or {@code <local@domain>}, a display name
 * quoted when it has characters outside atext, groups as {@code name: members;}, joined with ", ". So
 * {@code FROM "<alice@"} finds a bare {@code alice@example.org} too.
 */
final class AddressText {
    // Private-use characters, which the parser treats as atext like the "=?" and "?=" they stand for.
    private static final String OPEN = "\uE000";
    private static final String CLOSE = "\uE001";
    private AddressText() {
    }

    /**
     * The normalized list, encoded-words decoded. Dovecot decides quoting on the still encoded names and decodes
     * the written list afterwards, so the parser must not see encoded-words: they are masked while it runs.
     */
    static String normalize(String value) {
        String masked = value.replace("=?", OPEN).replace("?=", CLOSE);
        String written = write(LenientAddressParser.DEFAULT.parseAddressList(masked));
        return ContentSearch.decodeWords(written.replace(OPEN, "=?").replace(CLOSE, "?="));
    }

    private static String write(AddressList list) {
        List<String> out = new ArrayList<>();
        for (Address a : list) {
            if (a instanceof Group g) {
                List<String> members = new ArrayList<>();
                for (Mailbox m : g.getMailboxes()) {
                    members.add(mailbox(m));
                }
                out.add(phrase(g.getName()) + ": " + String.join(", ", members) + ";");
            } else if (a instanceof Mailbox m) {
                out.add(mailbox(m));
            }
        }
        return String.join(", ", out);
    }

    private static String mailbox(Mailbox m) {
        String addr = "<" + m.getAddress() + ">";
        String name = m.getName();
        return name == null || name.isEmpty() ? addr : phrase(name) + " " + addr;
    }

    /**
     * A phrase as Dovecot writes it: bare when all atext (RFC 5322 §3.2.3), else quoted, with backslashes before
     * {@code " \ '} (Dovecot's IS_ESCAPED_CHAR also escapes the apostrophe).
     */
    private static String phrase(String name) {
        boolean atext = true;
        for (int i = 0; i < name.length() && atext; i++) {
            char c = name.charAt(i);
            atext = c >= 0x80 || Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
        }
        if (atext) {
            return name;
        }
        return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"").replace("'", "\\'") + '"';
    }
}
