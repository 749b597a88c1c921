package org.mailseal.imap.search;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;
import org.apache.james.mime4j.util.CharsetUtil;
import org.mailseal.imap.message.MessageView;

/**
 * The searchable text of one message, decoded the way Dovecot 2.3 decodes it for SEARCH without full-text
 * indexes, so that an encrypted message is found exactly when its plaintext copy would be:
 * <ul>
 *   <li>header values are unfolded, RFC 2047 encoded-words decoded and 8-bit octets read as UTF-8; SUBJECT
 *   also makes runs of blanks one space;</li>
 *   <li>bodies are the text leaf parts (text/* or no Content-Type) with the Content-Transfer-Encoding undone
 *   (RFC 2045 §6.7, §6.8) and the charset converted; other parts, preambles and epilogues are not searched;</li>
 *   <li>TEXT also reads every part's header fields ("Name: value"), BODY none;</li>
 *   <li>comparison is a substring match after compatibility decomposition and upper-casing ({@link #fold}).</li>
 * </ul>
 */
final class ContentSearch {
    private final MessageView view;
    private List<MessageView.SearchPart> parts;
    private List<String> bodies;
    private List<String> allHeaders;

    ContentSearch(MessageView view) {
        this.view = view;
    }

    /**
     * Case-folds for comparison as Dovecot's i;unicode-casemap does (RFC 5051): compatibility decomposition, marks
     * kept, then upper case per code point (titlecase, near enough). So "cafe" finds "Café" (a prefix of
     * "CAFE\u0301") but "zoe" does not find "Zöe", as on Dovecot.
     */
    static String fold(String s) {
        String d = Normalizer.normalize(s, Normalizer.Form.NFKD);
        StringBuilder out = new StringBuilder(d.length());
        d.codePoints().forEach(cp -> out.appendCodePoint(Character.toUpperCase(cp)));
        return out.toString();
    }

    boolean body(String needle) {
        if (needle.isEmpty()) {
            return true; // as Dovecot: even a message without any text part
        }
        if (bodies == null) {
            bodies = new ArrayList<>();
            for (MessageView.SearchPart p : parts()) {
                if (p.leaf() && p.text()) {
                    bodies.add(fold(decodeBody(p)));
                }
            }
        }
        return bodies.stream().anyMatch(b -> b.contains(needle));
    }

    /** TEXT's header half: every field of every part. */
    boolean headers(String needle) {
        if (needle.isEmpty()) {
            return true;
        }
        if (allHeaders == null) {
            allHeaders = new ArrayList<>();
            for (MessageView.SearchPart p : parts()) {
                for (MessageView.Field f : p.header()) {
                    allHeaders.add(fold(f.value() == null ? f.name() : f.name() + ": " + headerText(f.value())));
                }
            }
        }
        return allHeaders.stream().anyMatch(h -> h.contains(needle));
    }

    /**
     * HEADER name string and SUBJECT: any field of that name in the message's own header. Only SUBJECT makes
     * runs of blanks one space (Dovecot's SEARCH_HEADER_COMPRESS_LWSP); HEADER compares them as they are.
     */
    boolean header(String name, String needle, boolean compressBlanks) {
        for (MessageView.Field f : rootHeader()) {
            if (f.value() == null || !f.name().equalsIgnoreCase(name)) {
                continue;
            }
            String text = headerText(f.value());
            if (fold(compressBlanks ? blanks(text) : text).contains(needle)) {
                return true;
            }
        }
        return false;
    }

    /** FROM, TO, CC, BCC: the addresses as Dovecot normalizes them ({@link AddressText}). */
    boolean address(String name, String needle) {
        for (MessageView.Field f : rootHeader()) {
            if (f.value() != null && f.name().equalsIgnoreCase(name)
                && fold(AddressText.normalize(utf8(unfold(f.value())))).contains(needle)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first Date field's date as written (its own zone, RFC 3501 §6.4.4 "disregarding time and timezone");
     * 1 January 1970 when there is none or it does not parse, as Dovecot (which then uses time 0).
     */
    LocalDate sentDate() {
        for (MessageView.Field f : rootHeader()) {
            if (f.value() != null && f.name().equalsIgnoreCase("Date")) {
                LocalDate d = SentDate.parse(unfold(f.value()));
                return d == null ? LocalDate.EPOCH : d;
            }
        }
        return LocalDate.EPOCH;
    }

    private List<MessageView.SearchPart> parts() {
        if (parts == null) {
            parts = view.searchParts();
        }
        return parts;
    }

    private List<MessageView.Field> rootHeader() {
        return parts().get(0).header();
    }

    static String headerText(String raw) {
        return decodeWords(utf8(unfold(raw)));
    }

    /** RFC 2047 encoded-words decoded; blanks between adjacent ones dropped (§6.2). */
    static String decodeWords(String s) {
        return DecoderUtil.decodeEncodedWords(s, DecodeMonitor.SILENT);
    }

    /** RFC 5322 §2.2.3 unfolding: the line ends go, the blanks after them stay. */
    static String unfold(String raw) {
        return raw.replace("\r", "").replace("\n", "");
    }

    /** Runs of spaces and tabs as one space, as Dovecot compares header values. */
    static String blanks(String s) {
        return s.replaceAll("[ \t]+", " ");
    }

    /** A header value read as ISO-8859-1, re-read as UTF-8 (RFC 6532); invalid octets become U+FFFD, as Dovecot. */
    static String utf8(String latin1) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static String decodeBody(MessageView.SearchPart p) {
        byte[] raw = p.body();
        String cte = p.transferEncoding() == null ? "" : p.transferEncoding().toLowerCase(Locale.ROOT);
        try (InputStream in = switch (cte) {
            case "quoted-printable" -> new QuotedPrintableInputStream(new ByteArrayInputStream(raw),
                    DecodeMonitor.SILENT);
            case "base64" -> new Base64InputStream(new ByteArrayInputStream(raw), DecodeMonitor.SILENT);
            default -> new ByteArrayInputStream(raw);
        }) {
            return new String(in.readAllBytes(), charset(p.charset()));
        } catch (IOException e) {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
    }

    /** The part's charset; US-ASCII, absent and unknown charsets are read as UTF-8, as Dovecot reads them. */
    private static Charset charset(String name) {
        if (name == null || name.equalsIgnoreCase("us-ascii")) {
            return StandardCharsets.UTF_8;
        }
        Charset c = CharsetUtil.lookup(name);
        return c == null ? StandardCharsets.UTF_8 : c;
    }
}
