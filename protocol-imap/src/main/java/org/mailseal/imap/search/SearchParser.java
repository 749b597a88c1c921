package org.mailseal.imap.search;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailseal.imap.ImapReader;
import org.mailseal.imap.ImapSyntaxException;
import org.mailseal.imap.search.SearchKey.DateOp;
import org.mailseal.imap.search.SearchKey.Where;

/** Reads search-keys (RFC 3501 §6.4.4 and §9) from an {@link ImapReader}, bounded in depth and count. */
final class SearchParser {
    static final int MAX_DEPTH = 100;
    static final int MAX_KEYS = 1000;
    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");

    private final ImapReader in;
    private int keys;

    SearchParser(ImapReader in) {
        this.in = in;
    }

    /** {@code [CHARSET astring SP] search-key *(SP search-key)} up to the final CRLF; returns the charset, or null. */
    String program(List<SearchKey> out) {
        String charset = null;
        if (startsWithWord("CHARSET")) {
            in.atom();
            in.space();
            charset = new String(in.astring(), StandardCharsets.ISO_8859_1);
            if (!charset.equalsIgnoreCase("US-ASCII") && !charset.equalsIgnoreCase("UTF-8")) {
                throw new BadCharsetException();
            }
            in.space();
        }
        out.add(key(0));
        while (!in.atEnd()) {
            in.space();
            out.add(key(0));
        }
        in.expectEnd();
        return charset;
    }

    /** Whether the next characters are {@code word} (any case) and a space, without consuming them. */
    private boolean startsWithWord(String word) {
        ByteBuf b = in.buffer();
        int p = in.position();
        if (b.writerIndex() - p < word.length() + 1) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (Character.toUpperCase(b.getByte(p + i)) != word.charAt(i)) {
                return false;
            }
        }
        return b.getByte(p + word.length()) == ' ';
    }

    private SearchKey key(int depth) {
        if (depth > MAX_DEPTH) {
            throw new ImapSyntaxException("search keys nested too deeply");
        }
        if (++keys > MAX_KEYS) {
            throw new ImapSyntaxException("too many search keys");
        }
        if (in.accept('(')) {
            List<SearchKey> list = new ArrayList<>();
            list.add(key(depth + 1));
            while (!in.accept(')')) {
                in.space();
                list.add(key(depth + 1));
            }
            return new SearchKey.And(list);
        }
        String word = in.word("()");
        if (SequenceSet.looksLike(word)) {
            return new SearchKey.Messages(false, SequenceSet.parse(word));
        }
        String name = word.toUpperCase(Locale.ROOT);
        return switch (name) {
            case "ALL" -> new SearchKey.All();
            case "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "SEEN", "RECENT" -> flag(name, true);
            case "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN" -> flag(name.substring(2), false);
            case "NEW" -> new SearchKey.And(List.of(flag("RECENT", true), flag("SEEN", false)));
            case "OLD" -> new SearchKey.Not(flag("RECENT", true));
            case "KEYWORD", "UNKEYWORD" -> new SearchKey.Flag(keyword(), name.equals("KEYWORD"));
            case "BEFORE", "ON", "SINCE" -> new SearchKey.InternalDate(DateOp.valueOf(name), date());
            case "SENTBEFORE", "SENTON", "SENTSINCE" ->
                    new SearchKey.SentDate(DateOp.valueOf(name.substring(4)), date());
            case "LARGER", "SMALLER" -> new SearchKey.Size(name.equals("LARGER"), number());
            case "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO" ->
                    new SearchKey.Text(Where.valueOf(name), null, string());
            case "HEADER" -> header();
            case "UID" -> {
                in.space();
                yield new SearchKey.Messages(true, SequenceSet.parse(in.word("()")));
            }
            case "NOT" -> {
                in.space();
                yield new SearchKey.Not(key(depth + 1));
            }
            case "OR" -> {
                in.space();
                SearchKey left = key(depth + 1);
                in.space();
                yield new SearchKey.Or(left, key(depth + 1));
            }
            case "MODSEQ" -> modSeq();
            case "OLDER", "YOUNGER" -> new SearchKey.Within(name.equals("OLDER"), positive());
            default -> throw new ImapSyntaxException("unknown search key");
        };
    }

    private static SearchKey.Flag flag(String name, boolean set) {
        return new SearchKey.Flag("\\" + name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT), set);
    }

    /** flag-keyword = atom; a system flag (with "\") is not a keyword (RFC 3501 §9). */
    private String keyword() {
        in.space();
        return in.atom();
    }

    private byte[] string() {
        in.space();
        return in.astring();
    }

    private SearchKey header() {
        in.space();
        String field = new String(in.astring(), StandardCharsets.ISO_8859_1);
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == ':') {
                throw new ImapSyntaxException("bad header field name"); // RFC 5322 §3.6.8 ftext
            }
        }
        return new SearchKey.Text(Where.HEADER, field, string());
    }

    /** number: 1*DIGIT; RFC 9051 widens it to 63 bits (number64), which is what is accepted. */
    private long number() {
        in.space();
        String digits = in.word("()");
        if (digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ImapSyntaxException("bad number");
        }
        return Long.parseLong(digits);
    }

    private long positive() {
        long n = number();
        if (n == 0) {
            throw new ImapSyntaxException("interval must be positive"); // RFC 5032 §3
        }
        return n;
    }

    /** {@code MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer} (RFC 7162 §3.1.5). */
    private SearchKey modSeq() {
        in.space();
        String entry = null;
        String type = null;
        if (in.peek() == '"') {
            entry = new String(in.string(), StandardCharsets.ISO_8859_1);
            if (!entry.startsWith("/flags/")) {
                throw new ImapSyntaxException("bad MODSEQ entry name");
            }
            in.space();
            type = in.atom().toLowerCase(Locale.ROOT);
            if (!type.equals("priv") && !type.equals("shared") && !type.equals("all")) {
                throw new ImapSyntaxException("bad MODSEQ entry type");
            }
            in.space();
        }
        String digits = in.word("()");
        if (digits.length() > 19 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ImapSyntaxException("bad mod-sequence");
        }
        try {
            return new SearchKey.ModSeq(entry, type, Long.parseLong(digits));
        } catch (NumberFormatException e) {
            throw new ImapSyntaxException("mod-sequence out of range");
        }
    }

    /** date = date-text / DQUOTE date-text DQUOTE; date-text = 1*2DIGIT "-" date-month "-" 4DIGIT (§9). */
    private LocalDate date() {
        in.space();
        boolean quoted = in.accept('"');
        String text = quoted ? in.word("\"") : in.word("()");
        if (quoted) {
            in.expect('"');
        }
        String[] p = text.split("-", -1);
        if (p.length != 3 || p[0].isEmpty() || p[0].length() > 2 || p[2].length() != 4
            || !(p[0] + p[2]).chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ImapSyntaxException("bad date");
        }
        int month = MONTHS.indexOf(p[1].toUpperCase(Locale.ROOT));
        if (month < 0) {
            throw new ImapSyntaxException("bad month");
        }
        try {
            return LocalDate.of(Integer.parseInt(p[2]), month + 1, Integer.parseInt(p[0]));
        } catch (DateTimeException e) {
            throw new ImapSyntaxException("no such date");
        }
    }
}
