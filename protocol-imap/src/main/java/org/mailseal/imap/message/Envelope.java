package org.mailseal.imap.message;

import java.util.ArrayList;
import java.util.List;

/**
 * The ENVELOPE of a message (RFC 3501 §7.4.2): header values raw, not MIME-decoded. For the string fields the last
 * occurrence wins; address fields that occur more than once are concatenated (Dovecot's behaviour).
 */
final class Envelope {
    private String date;
    private String subject;
    private String messageId;
    private String inReplyTo;
    private List<Address> from;
    private List<Address> sender;
    private List<Address> replyTo;
    private List<Address> to;
    private List<Address> cc;
    private List<Address> bcc;

    private Envelope() {
    }

    static Envelope of(List<HeaderField> fields) {
        Envelope e = new Envelope();
        for (HeaderField f : fields) {
            String v = f.value();
            if (v == null) {
                continue;
            }
            switch (f.name().toLowerCase(java.util.Locale.ROOT)) {
                case "date" -> e.date = v;
                case "subject" -> e.subject = v;
                case "message-id" -> e.messageId = v;
                case "in-reply-to" -> e.inReplyTo = v;
                case "from" -> e.from = append(e.from, v);
                case "sender" -> e.sender = append(e.sender, v);
                case "reply-to" -> e.replyTo = append(e.replyTo, v);
                case "to" -> e.to = append(e.to, v);
                case "cc" -> e.cc = append(e.cc, v);
                case "bcc" -> e.bcc = append(e.bcc, v);
                default -> {
                }
            }
        }
        return e;
    }

    private static List<Address> append(List<Address> list, String value) {
        List<Address> parsed = Address.parseList(value);
        if (parsed.isEmpty()) {
            return list;
        }
        List<Address> result = list == null ? new ArrayList<>() : list;
        result.addAll(parsed);
        return result;
    }

    /** Writes the envelope's fields (without the surrounding parentheses). */
    void write(StringBuilder out) {
        // unfolded: CR and LF dropped (a folded header must still fit a quoted string)
        ImapString.nstringNoLf(out, date);
        out.append(' ');
        if (subject == null) {
            out.append("NIL");
        } else {
            ImapString.forHumans(out, subject);
        }
        out.append(' ');
        addresses(out, from);
        out.append(' ');
        // RFC 3501 §7.4.2: sender and reply-to default to from
        addresses(out, sender != null ? sender : from);
        out.append(' ');
        addresses(out, replyTo != null ? replyTo : from);
        out.append(' ');
        addresses(out, to);
        out.append(' ');
        addresses(out, cc);
        out.append(' ');
        addresses(out, bcc);
        out.append(' ');
        ImapString.nstringNoLf(out, inReplyTo);
        out.append(' ');
        ImapString.nstringNoLf(out, messageId);
    }

    private static void addresses(StringBuilder out, List<Address> list) {
        if (list == null) {
            out.append("NIL");
            return;
        }
        out.append('(');
        for (Address a : list) {
            out.append('(');
            if (a.name() == null) {
                out.append("NIL");
            } else {
                ImapString.forHumans(out, a.name());
            }
            out.append(' ');
            ImapString.nstring(out, a.route());
            out.append(' ');
            ImapString.nstring(out, a.mailbox());
            out.append(' ');
            ImapString.nstring(out, a.domain());
            out.append(')');
        }
        out.append(')');
    }
}
