package org.mailseal.imap.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mailseal.imap.FetchResponse;
import org.mailseal.imap.ImapReader;
import org.mailseal.imap.ImapSyntaxException;

/** Strict parsers of the responses {@link ToolImapClient} reads; anything malformed is an ImapClientException. */
final class ImapResponses {
    private ImapResponses() {
    }

    /** A LIST response (RFC 3501 §7.2.2, with RFC 5258's extended data skipped). */
    static ToolImapClient.ListEntry listEntry(byte[] unit) throws ImapClientException {
        try {
            ImapReader reader = new ImapReader(Unpooled.wrappedBuffer(unit));
            reader.expect('*');
            reader.space();
            reader.atom();
            reader.space();
            reader.expect('(');
            Set<String> attributes = new LinkedHashSet<>();
            while (!reader.accept(')')) {
                reader.accept(' ');
                attributes.add(reader.word(" )").toLowerCase(Locale.ROOT));
            }
            reader.space();
            byte[] delimiter = reader.nstring();
            reader.space();
            byte[] name = reader.astring();
            if (!reader.atEnd() && reader.peek() == ' ') {
                reader.space();
                reader.skipValue(); // mbox-list-extended (RFC 5258)
            }
            reader.expectEnd();
            if (delimiter != null && delimiter.length != 1) {
                throw new ImapClientException("malformed LIST delimiter");
            }
            return new ToolImapClient.ListEntry(new String(name, StandardCharsets.UTF_8),
                    delimiter == null ? 0 : (char) (delimiter[0] & 0xff), Set.copyOf(attributes));
        } catch (ImapSyntaxException e) {
            throw new ImapClientException("malformed LIST response");
        }
    }

    static List<Long> searchUids(List<byte[]> untagged) throws ImapClientException {
        List<Long> uids = new ArrayList<>();
        for (byte[] unit : untagged) {
            String line = ImapWire.ascii(unit).trim();
            if (line.regionMatches(true, 0, "* SEARCH", 0, 8)) {
                for (String n : line.substring(8).trim().split(" ")) {
                    if (!n.isEmpty()) {
                        uids.add(number(n));
                    }
                }
            }
        }
        uids.sort(null);
        return uids;
    }

    /** A FETCH response, or null for another untagged response. */
    static FetchResponse fetch(byte[] unit) throws ImapClientException {
        try {
            return FetchResponse.parse(Unpooled.wrappedBuffer(unit));
        } catch (ImapSyntaxException e) {
            throw new ImapClientException("malformed FETCH response");
        }
    }

    static List<String> flags(ByteBuf value) throws ImapClientException {
        String text = value.toString(StandardCharsets.US_ASCII);
        if (!text.startsWith("(") || !text.endsWith(")")) {
            throw new ImapClientException("malformed FLAGS");
        }
        List<String> flags = new ArrayList<>();
        for (String flag : text.substring(1, text.length() - 1).split(" ")) {
            if (!flag.isEmpty() && !flag.equalsIgnoreCase("\\Recent")) {
                flags.add(flag);
            }
        }
        return flags;
    }

    /** The UID set of a VANISHED response, strictly: "* VANISHED [(EARLIER) ]set". */
    static UidSet vanished(byte[] unit) throws ImapClientException {
        String line = ImapWire.ascii(unit);
        if (!line.endsWith("\r\n")) {
            throw new ImapClientException("malformed VANISHED response");
        }
        String rest = line.substring(11, line.length() - 2);
        if (rest.regionMatches(true, 0, "(EARLIER) ", 0, 10)) {
            rest = rest.substring(10);
        }
        return UidSet.parse(rest);
    }

    /** The unfolded, trimmed value of the first {@code field} in a header block; null if absent or not printable. */
    static String fieldValue(byte[] header, String field) {
        String text = new String(header, StandardCharsets.ISO_8859_1).replaceAll("\r\n(?=[ \t])", "");
        for (String line : text.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(field)) {
                String value = line.substring(colon + 1).replace('\t', ' ').trim();
                return !value.isEmpty() && value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e) ? value : null;
            }
        }
        return null;
    }

    static long uid(FetchResponse fetch) throws ImapClientException {
        return number(fetch, fetch.item("UID"));
    }

    static long number(FetchResponse fetch, FetchResponse.Item item) throws ImapClientException {
        return number(fetch.value(item).toString(StandardCharsets.US_ASCII));
    }

    static long number(String text) throws ImapClientException {
        String t = text.trim();
        if (t.isEmpty() || t.length() > 19 || !t.chars().allMatch(Character::isDigit)) {
            throw new ImapClientException("expected a number");
        }
        return Long.parseLong(t);
    }
}
