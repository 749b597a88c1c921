package org.mailseal.imap.message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a MIME parameter list ({@code ; a=b; c="d"}, RFC 2045 §5.1) and merges RFC 2231 §3-4 continuations
 * ({@code name*0*=}, {@code name*1=}) into one {@code name*} parameter whose value stays percent-encoded, as Dovecot
 * reports it. Plain parameters come first in their order, merged ones after, sorted by name.
 */
final class MimeParams {
    /** A parameter name and value, exactly as they are put into BODYSTRUCTURE. */
    record Param(String name, String value) {
    }

    private record Section(String key, String value, int index, boolean extended) {
    }

    private MimeParams() {
    }

    static List<Param> parse(Rfc822Tokens tokens) {
        List<Param> result = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        String[] kv = new String[2];
        // Dovecot reuses one struct across parameters, so a bare "name*" inherits the previous index.
        int index = 0;
        int ret;
        while ((ret = tokens.contentParam(kv)) != 0) {
            if (ret < 0) {
                // skip one char and try again: a broken parameter does not lose the ones after it
                if (tokens.atEnd()) {
                    break;
                }
                tokens.pos++;
                continue;
            }
            String key = kv[0];
            int star = key.indexOf('*');
            boolean plain = true;
            if (star >= 0) {
                int p = star;
                if (p + 1 < key.length()) {
                    p++;
                    index = 0;
                    while (p < key.length() && key.charAt(p) >= '0' && key.charAt(p) <= '9') {
                        index = index * 10 + key.charAt(p) - '0';
                        p++;
                    }
                }
                boolean extended = p < key.length() && key.charAt(p) == '*';
                if (extended) {
                    p++;
                }
                if (p >= key.length()) {
                    sections.add(new Section(key.substring(0, star), kv[1], index, extended));
                    plain = false;
                }
            }
            if (plain) {
                result.add(new Param(key, kv[1]));
            }
        }
        if (!sections.isEmpty()) {
            merge(sections, result);
        }
        return result;
    }

    private static void merge(List<Section> sections, List<Param> result) {
        sections.sort(Comparator.comparing(Section::key).thenComparingInt(Section::index));
        int next;
        for (int i = 0; i < sections.size(); i = next) {
            boolean complete = true;
            boolean haveExtended = false;
            int expected = 0;
            int j = i;
            for (; j < sections.size(); j++) {
                if (!sections.get(i).key().equalsIgnoreCase(sections.get(j).key())) {
                    break;
                }
                if (sections.get(j).index() != expected) {
                    complete = false;
                }
                haveExtended |= sections.get(j).extended();
                expected++;
            }
            next = j;
            if (!complete) {
                // missing indexes: not RFC 2231 after all, report the pieces as they were
                for (j = i; j < next; j++) {
                    Section p = sections.get(j);
                    result.add(new Param(p.key() + "*" + p.index() + (p.extended() ? "*" : ""), p.value()));
                }
                continue;
            }
            StringBuilder value = new StringBuilder();
            if (!sections.get(i).extended() && haveExtended) {
                value.append("''");
            }
            for (j = i; j < next; j++) {
                Section p = sections.get(j);
                value.append(!p.extended() && haveExtended ? p.value().replace("%", "%25") : p.value());
            }
            String key = sections.get(i).key() + (haveExtended ? "*" : "");
            result.add(new Param(key, value.toString()));
        }
    }
}
