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
    private AddressText() {
    }

    static String normalize(String value) {
        AddressList list = LenientAddressParser.DEFAULT.parseAddressList(value);
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

    /** A phrase as written by Dovecot: bare when all atext (RFC 5322 §3.2.3), else quoted with escapes. */
    private static String phrase(String name) {
        boolean atext = true;
        for (int i = 0; i < name.length() && atext; i++) {
            char c = name.charAt(i);
            atext = c >= 0x80 || Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
        }
        if (atext) {
            return name;
        }
        return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
