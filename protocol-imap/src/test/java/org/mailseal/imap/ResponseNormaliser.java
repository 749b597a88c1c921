package org.mailseal.imap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What may legitimately differ between the server's answers on the plaintext account and the proxy's on the
 * encrypted one, and nothing else (src/test/resources/transcripts/README.md):
 * <ul>
 *   <li>the human-readable text of status responses (tagged and untagged OK/NO/BAD/BYE): the server picks it, the
 *       proxy answers some commands itself, and Dovecot appends timings; the status and the response code stay;</li>
 *   <li>the text of a continuation request ("+ idling"): the proxy asks for APPEND literals itself;</li>
 *   <li>capability lists: the proxy filters them (notes/imap.md 9);</li>
 *   <li>UIDVALIDITY values, also inside APPENDUID and COPYUID: two different mailboxes. The UIDs stay.</li>
 * </ul>
 * Every other octet, literals included, must be identical, except with {@link Profile#GREENMAIL}. GreenMail is an
 * oracle for mailbox state (flags, UIDs, sequence numbers, EXPUNGE, IDLE, sizes), not for content: it re-serialises
 * messages through JavaMail (a section's final CRLF dropped, the blank line after HEADER.FIELDS missing, 8-bit header
 * octets turned into '?'), rewrites ENVELOPE dates, counts part headers in BODYSTRUCTURE sizes and writes UID last,
 * where RFC 3501 §6.4.5/§7.4.2 and Dovecot do otherwise; the proxy answers as Dovecot does (notes/imap.md 7). So
 * against GreenMail the values of content items (ENVELOPE, BODYSTRUCTURE, BODY, BODY[...], RFC822, RFC822.HEADER,
 * RFC822.TEXT, BINARY[...]) are masked and a FETCH response's items sorted by name; RFC822.SIZE stays. Against Dovecot
 * everything is compared octet for octet, in order.
 */
final class ResponseNormaliser {
    private static final Pattern STATUS = Pattern.compile(
            "^(\\S+ (?:OK|NO|BAD|BYE|PREAUTH))( \\[[^\\]]*\\])?[^\\r\\n]*\\r\\n$", Pattern.CASE_INSENSITIVE);
    private static final Pattern CONTINUATION = Pattern.compile("^\\+[^\\r\\n]*\\r\\n$");
    private static final Pattern CAPABILITY_DATA = Pattern.compile("^\\* CAPABILITY [^\\r\\n]*", Pattern.CASE_INSENSITIVE);
    private static final Pattern CAPABILITY_CODE = Pattern.compile("\\[CAPABILITY [^\\]]*\\]", Pattern.CASE_INSENSITIVE);
    private static final Pattern UIDVALIDITY = Pattern.compile("\\[(UIDVALIDITY|APPENDUID|COPYUID) \\d+",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern FETCH = Pattern.compile("^\\* \\d+ FETCH \\(", Pattern.CASE_INSENSITIVE);
    private static final Set<String> CONTENT = Set.of("ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822", "RFC822.HEADER",
            "RFC822.TEXT", "BINARY");

    enum Profile { STRICT, GREENMAIL }

    private ResponseNormaliser() {}

    static List<String> normalise(List<String> record, Profile profile) {
        return record.stream().map(unit -> normalise(unit, profile)).toList();
    }

    static String normalise(String unit, Profile profile) {
        if (unit.startsWith("C: ") || unit.startsWith("# ")) {
            return unit; // the client's own lines, the same on both sides
        }
        Matcher fetch = FETCH.matcher(unit);
        if (profile == Profile.GREENMAIL && fetch.find()) {
            return greenMailFetch(unit, fetch.end());
        }
        String u = CONTINUATION.matcher(unit).replaceFirst("+\r\n");
        u = STATUS.matcher(u).replaceFirst("$1$2\r\n");
        u = CAPABILITY_DATA.matcher(u).replaceFirst("* CAPABILITY (normalised)");
        u = CAPABILITY_CODE.matcher(u).replaceAll("[CAPABILITY (normalised)]");
        return UIDVALIDITY.matcher(u).replaceAll("[$1 (normalised)");
    }

    /** A FETCH response with its items sorted by name and the values of content items masked. */
    private static String greenMailFetch(String unit, int start) {
        List<String> items = new ArrayList<>();
        int p = start;
        while (p < unit.length() && unit.charAt(p) != ')') {
            int nameStart = p;
            while (unit.charAt(p) != ' ' && unit.charAt(p) != '{') {
                p = unit.charAt(p) == '[' ? unit.indexOf(']', p) + 1 : p + 1;
            }
            String name = unit.substring(nameStart, p);
            if (unit.charAt(p) == ' ') {
                p++;
            }
            int valueStart = p;
            p = skipValue(unit, p);
            String base = name.toUpperCase(Locale.ROOT).replaceFirst("\\[.*", "");
            items.add(CONTENT.contains(base) ? name + " (content not compared on GreenMail)"
                    : name + " " + unit.substring(valueStart, p));
            if (unit.charAt(p) == ' ') {
                p++;
            }
        }
        Collections.sort(items);
        return unit.substring(0, start) + String.join(" ", items) + unit.substring(p);
    }

    private static int skipValue(String s, int p) {
        char c = s.charAt(p);
        if (c == '{') {
            int close = s.indexOf('}', p);
            return close + 3 + Integer.parseInt(s.substring(p + 1, close).replace("+", ""));
        }
        if (c == '"') {
            p++;
            while (s.charAt(p) != '"') {
                p += s.charAt(p) == '\\' ? 2 : 1;
            }
            return p + 1;
        }
        if (c == '(') {
            p++;
            while (s.charAt(p) != ')') {
                p = s.charAt(p) == ' ' ? p + 1 : skipValue(s, p);
            }
            return p + 1;
        }
        while (s.charAt(p) != ' ' && s.charAt(p) != ')' && s.charAt(p) != '\r') {
            p++;
        }
        return p;
    }
}
