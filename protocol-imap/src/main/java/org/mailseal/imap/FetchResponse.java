package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An upstream's untagged FETCH response (RFC 3501 §7.4.2) taken apart: the message sequence number and each item's
 * name and value, as positions in the response's buffer, so that items can be copied byte for byte.
 */
public record FetchResponse(ByteBuf unit, long sequence, List<Item> items) {
    /**
     * One item: its name upper-cased up to any section (BODY[HEADER]&lt;0&gt; keeps section and origin as the
     * server wrote them), where the item starts, where its value starts and where it ends.
     */
    public record Item(String name, int start, int valueStart, int end) {
        /** The name without section and origin: BODY for BODY[1]&lt;0&gt;. */
        public String base() {
            int bracket = name.indexOf('[');
            return bracket < 0 ? name : name.substring(0, bracket);
        }

        public boolean sectioned() {
            return name.indexOf('[') >= 0;
        }
    }

    /** Returns the FETCH response in a unit, or null when the unit is some other response. */
    public static FetchResponse parse(ByteBuf unit) {
        ImapReader in = new ImapReader(unit);
        if (!in.accept('*') || !in.accept(' ') || !Character.isDigit(in.peek())) {
            return null;
        }
        String number = in.word("");
        if (!in.accept(' ')) {
            return null;
        }
        String keyword = in.word("(");
        if (!keyword.equalsIgnoreCase("FETCH") || number.length() > 10) {
            return null;
        }
        in.space();
        in.expect('(');
        List<Item> items = new ArrayList<>();
        if (!in.accept(')')) {
            do {
                int start = in.position();
                String name = name(in);
                if (!in.accept(' ') && in.peek() != '{') {
                    // GreenMail writes "BODY[TEXT]<4>{6}" without the space; accept that, nothing else.
                    throw new ImapSyntaxException("expected a space after " + name);
                }
                int valueStart = in.skipValue();
                items.add(new Item(name, start, valueStart, in.position()));
            } while (in.accept(' '));
            in.expect(')');
        }
        in.expectEnd();
        return new FetchResponse(unit, Long.parseLong(number), List.copyOf(items));
    }

    private static String name(ImapReader in) {
        int start = in.position();
        in.word("[(");
        if (in.peek() == '[') {
            in.section();
            if (in.accept('<')) {
                in.word(">");
                in.expect('>');
            }
        }
        return in.buffer().toString(start, in.position() - start, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
    }

    public Item item(String name) {
        for (Item item : items) {
            if (item.name().equals(name)) {
                return item;
            }
        }
        return null;
    }

    /** The bytes of an item's value. */
    public ByteBuf value(Item item) {
        return unit.slice(item.valueStart(), item.end() - item.valueStart());
    }

    /** The octets of a string value (quoted or literal); null for NIL. */
    public byte[] stringValue(Item item) {
        ImapReader in = new ImapReader(unit.slice(item.valueStart(), item.end() - item.valueStart()));
        return in.nstring();
    }
}
