package org.mailseal.imap.message;

import java.util.List;

/**
 * Writes BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) as Dovecot 2.3 does: types, subtypes and parameter names in the
 * case the message used (RFC 3501 does not ask for upper case; the defaults are lower case, {@code "text" "plain"},
 * {@code "7bit"}), a {@code "charset" "us-ascii"} parameter added to text parts that have none, sizes in octets and
 * line counts as the number of LFs in the body.
 */
final class BodyStructureWriter {
    /** What Dovecot writes for a multipart that has no parts at all (RFC 3501 requires at least one). */
    private static final String EMPTY_BODY = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0";

    private final byte[] m;
    private final boolean extended;

    private BodyStructureWriter(byte[] message, boolean extended) {
        this.m = message;
        this.extended = extended;
    }

    /** Recursion is bounded by the parser's maximum depth. */
    static void write(StringBuilder out, byte[] message, MimePart root, boolean extended) {
        if (isPlain7bit(root)) {
            // Dovecot keeps no structure for such messages and answers with its defaults, in its own case.
            out.append(EMPTY_BODY, 0, EMPTY_BODY.length() - 3)
                    .append(root.end - root.headerEnd).append(' ').append(root.lines(message))
                    .append(extended ? " NIL NIL NIL NIL)" : ")");
            return;
        }
        new BodyStructureWriter(message, extended).part(out, root);
    }

    /** A single text/plain part in us-ascii and 7bit with no other Content-* data (Dovecot's test, as it is). */
    private static boolean isPlain7bit(MimePart root) {
        ContentFields c = root.content;
        if (!root.text || !root.children.isEmpty() || root.multipart) {
            return false;
        }
        if (c.subtype() != null && !c.subtype().equalsIgnoreCase("plain")) {
            return false;
        }
        if (c.params().size() > 1 || !c.params().isEmpty() && (!c.params().get(0).name().equalsIgnoreCase("charset")
                || !c.params().get(0).value().equalsIgnoreCase("us-ascii"))) {
            return false;
        }
        return c.id() == null && c.description() == null
                && (c.encoding() == null || c.encoding().equalsIgnoreCase("7bit"))
                && c.md5() == null && c.disposition() == null && c.languages() == null && c.location() == null;
    }

    private void part(StringBuilder out, MimePart part) {
        out.append('(');
        if (part.multipart) {
            multipart(out, part);
        } else {
            leaf(out, part);
        }
        out.append(')');
    }

    private void multipart(StringBuilder out, MimePart part) {
        ContentFields c = part.content;
        if (part.children.isEmpty()) {
            out.append(EMPTY_BODY).append(extended ? " NIL NIL NIL NIL)" : ")");
        }
        for (MimePart child : part.children) {
            part(out, child);
        }
        out.append(' ');
        ImapString.nstring(out, c.subtype() == null ? "" : c.subtype());
        if (!extended) {
            return;
        }
        out.append(' ');
        params(out, c.params(), false);
        common(out, c);
    }

    private void leaf(StringBuilder out, MimePart part) {
        ContentFields c = part.content;
        boolean text;
        if (part.rfc822) {
            out.append("\"message\" \"rfc822\"");
            text = false;
        } else if (c.type() == null) {
            out.append("\"text\" \"plain\"");
            text = true;
        } else {
            text = c.type().equalsIgnoreCase("text");
            ImapString.nstring(out, c.type());
            out.append(' ');
            ImapString.nstring(out, c.subtype() == null ? "" : c.subtype());
        }
        out.append(' ');
        params(out, c.params(), text);
        out.append(' ');
        ImapString.nstringNoLf(out, c.id());
        out.append(' ');
        ImapString.nstringNoLf(out, c.description());
        out.append(' ');
        if (c.encoding() != null) {
            ImapString.nstring(out, c.encoding());
        } else {
            out.append("\"7bit\"");
        }
        out.append(' ').append(part.end - part.headerEnd);
        if (text) {
            out.append(' ').append(part.lines(m));
        } else if (part.rfc822) {
            // RFC 3501 §7.4.2: envelope, body structure and size in lines of the encapsulated message
            out.append(" (");
            part.message().envelope.write(out);
            out.append(") ");
            part(out, part.message());
            out.append(' ').append(part.lines(m));
        }
        if (!extended) {
            return;
        }
        out.append(' ');
        ImapString.nstringNoLf(out, c.md5());
        common(out, c);
    }

    /** body-fld-dsp, body-fld-lang, body-fld-loc */
    private static void common(StringBuilder out, ContentFields c) {
        out.append(' ');
        if (c.disposition() == null) {
            out.append("NIL");
        } else {
            out.append('(');
            ImapString.nstring(out, c.disposition());
            out.append(' ');
            params(out, c.dispositionParams(), false);
            out.append(')');
        }
        out.append(' ');
        if (c.languages() == null) {
            out.append("NIL");
        } else {
            out.append('(');
            for (int i = 0; i < c.languages().size(); i++) {
                if (i > 0) {
                    out.append(' ');
                }
                ImapString.nstring(out, c.languages().get(i));
            }
            out.append(')');
        }
        out.append(' ');
        ImapString.nstringNoLf(out, c.location());
    }

    private static void params(StringBuilder out, List<MimeParams.Param> params, boolean defaultCharset) {
        if (!defaultCharset && params.isEmpty()) {
            out.append("NIL");
            return;
        }
        out.append('(');
        boolean seenCharset = false;
        for (int i = 0; i < params.size(); i++) {
            MimeParams.Param p = params.get(i);
            if (i > 0) {
                out.append(' ');
            }
            seenCharset |= p.name().equalsIgnoreCase("charset");
            ImapString.nstring(out, p.name());
            out.append(' ');
            ImapString.nstring(out, p.value());
        }
        if (defaultCharset && !seenCharset) {
            out.append(params.isEmpty() ? "" : " ").append("\"charset\" \"us-ascii\"");
        }
        out.append(')');
    }
}
