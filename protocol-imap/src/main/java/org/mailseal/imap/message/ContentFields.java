package org.mailseal.imap.message;

import java.util.ArrayList;
import java.util.List;

/**
 * The Content-* fields of one part that BODY and BODYSTRUCTURE report (RFC 2045, RFC 2183, RFC 3066, RFC 2557,
 * RFC 1864), read the way Dovecot reads them: the first occurrence of a field wins, values are kept raw (not
 * decoded), type and parameter case is preserved.
 *
 * @param type         media type as written, "" when unparsable, null when there is no Content-Type
 * @param subtype      media subtype as written, null when there is no "/"
 * @param params       Content-Type parameters (RFC 2231 continuations merged)
 * @param id           raw Content-ID
 * @param description  raw Content-Description
 * @param encoding     Content-Transfer-Encoding token, null when absent or not a single token
 * @param md5          raw Content-MD5
 * @param disposition  Content-Disposition type, null when absent
 * @param dispositionParams Content-Disposition parameters
 * @param languages    Content-Language tags, null when absent
 * @param location     raw Content-Location
 */
record ContentFields(String type, String subtype, List<MimeParams.Param> params, String id, String description,
                     String encoding, String md5, String disposition, List<MimeParams.Param> dispositionParams,
                     List<String> languages, String location) {

    static final ContentFields NONE =
            new ContentFields(null, null, List.of(), null, null, null, null, null, List.of(), null, null);

    /** What the part's first Content-Type says about its structure, for the part splitter. */
    record TypeInfo(boolean present, boolean text, boolean multipart, boolean digest, boolean rfc822,
                    String boundary) {
    }

    static TypeInfo typeInfo(List<HeaderField> fields) {
        for (HeaderField f : fields) {
            if (f.value() != null && f.name().equalsIgnoreCase("Content-Type")) {
                Rfc822Tokens t = new Rfc822Tokens(f.value(), null);
                t.skipLwsp();
                StringBuilder ct = new StringBuilder();
                int ret = t.contentType(ct);
                String s = ct.toString();
                boolean rfc822 = s.equalsIgnoreCase("message/rfc822");
                boolean multipart = !rfc822 && s.regionMatches(true, 0, "multipart/", 0, 10);
                boolean digest = multipart && s.substring(10).equalsIgnoreCase("digest");
                String boundary = null;
                if (multipart && ret >= 0) {
                    for (MimeParams.Param p : MimeParams.parse(t)) {
                        if (p.name().equalsIgnoreCase("boundary")) {
                            boundary = p.value();
                            break;
                        }
                    }
                }
                boolean text = s.equalsIgnoreCase("text") || s.regionMatches(true, 0, "text/", 0, 5);
                return new TypeInfo(true, text, multipart, digest, rfc822, boundary);
            }
        }
        return new TypeInfo(false, false, false, false, false, null);
    }

    /** Reads the Content-* fields; a part that is not MIME (no MIME-Version, no Content-Type) has none. */
    static ContentFields parse(List<HeaderField> fields, boolean mime) {
        if (!mime) {
            return NONE;
        }
        String type = null;
        String subtype = null;
        List<MimeParams.Param> params = List.of();
        String id = null;
        String description = null;
        String encoding = null;
        String md5 = null;
        String disposition = null;
        List<MimeParams.Param> dispositionParams = null;
        List<String> languages = null;
        String location = null;
        for (HeaderField f : fields) {
            if (f.value() == null || !f.name().regionMatches(true, 0, "Content-", 0, 8)) {
                continue;
            }
            String name = f.name().substring(8);
            String value = f.value();
            if (name.equalsIgnoreCase("ID") && id == null) {
                id = value;
            } else if (name.equalsIgnoreCase("MD5") && md5 == null) {
                md5 = value;
            } else if (name.equalsIgnoreCase("Type") && type == null) {
                Rfc822Tokens t = new Rfc822Tokens(value, null);
                t.skipLwsp();
                StringBuilder ct = new StringBuilder();
                int ret = t.contentType(ct);
                int slash = ct.indexOf("/");
                type = slash < 0 ? ct.toString() : ct.substring(0, slash);
                subtype = slash < 0 ? null : ct.substring(slash + 1);
                // A broken Content-Type keeps its type, but its parameters are not read.
                params = ret < 0 ? List.of() : MimeParams.parse(t);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && encoding == null) {
                Rfc822Tokens t = new Rfc822Tokens(value, null);
                t.skipLwsp();
                StringBuilder token = new StringBuilder();
                if (t.mimeToken(token) >= 0 && t.skipLwsp() == 0 && token.length() > 0) {
                    encoding = token.toString();
                }
            } else if (name.equalsIgnoreCase("Language") && languages == null) {
                languages = languages(value);
            } else if (name.equalsIgnoreCase("Location") && location == null) {
                location = value;
            } else if (name.equalsIgnoreCase("Description") && description == null) {
                description = value;
            } else if (name.equalsIgnoreCase("Disposition") && dispositionParams == null) {
                // Dovecot tests the parameter list, not the type: a later field replaces one without parameters.
                Rfc822Tokens t = new Rfc822Tokens(value, null);
                t.skipLwsp();
                StringBuilder token = new StringBuilder();
                if (t.mimeToken(token) >= 0) {
                    disposition = token.toString();
                    List<MimeParams.Param> p = MimeParams.parse(t);
                    dispositionParams = p.isEmpty() ? null : p;
                }
            }
        }
        return new ContentFields(type, subtype, params, id, description, encoding, md5, disposition,
                dispositionParams == null ? List.of() : dispositionParams, languages, location);
    }

    /** Content-Language: 1#Language-tag (RFC 3282 §2). */
    private static List<String> languages(String value) {
        Rfc822Tokens t = new Rfc822Tokens(value, null);
        List<String> langs = new ArrayList<>();
        t.skipLwsp();
        StringBuilder atom = new StringBuilder();
        while (t.atom(atom) >= 0) {
            langs.add(atom.toString());
            atom.setLength(0);
            if (t.atEnd() || t.peek() != ',') {
                break;
            }
            t.pos++;
            t.skipLwsp();
        }
        return langs.isEmpty() ? null : langs;
    }
}
