package org.mailseal.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mailseal.imap.message.MessageView;

/**
 * A client's FETCH or UID FETCH (RFC 3501 §6.4.5, §6.4.8): the message set, the items in the client's order (macros
 * expanded), and whatever follows the items (RFC 7162 modifiers), kept as written.
 */
public record FetchRequest(boolean uid, String messageSet, List<Item> items, String modifiers) {
    /** Items whose answer depends on the message's content, so an encrypted message is answered from its plaintext. */
    private static final Set<String> CONTENT = Set.of("BODY", "BODYSTRUCTURE", "ENVELOPE", "RFC822", "RFC822.HEADER",
            "RFC822.TEXT", "RFC822.SIZE", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE");

    /**
     * One item: its name upper-cased ({@code BODY.PEEK}, {@code FLAGS}), its section as written between the
     * brackets (null without brackets), its partial range (offset -1 without one), and its text as the client wrote it.
     */
    public record Item(String name, String section, long offset, long length, String text) {
        public boolean content() {
            return CONTENT.contains(name);
        }

        /** RFC 3501 §6.4.5: BODY[...], RFC822 and RFC822.TEXT set \Seen; the .PEEK forms and the rest do not. */
        public boolean setsSeen() {
            return (name.equals("BODY") && section != null) || name.equals("BINARY") || name.equals("RFC822")
                    || name.equals("RFC822.TEXT");
        }

        /** The item's name in a response: BODY[section]<origin>, with .PEEK dropped (RFC 3501 §7.4.2). */
        public String responseName() {
            if (section == null) {
                return name;
            }
            String base = name.endsWith(".PEEK") ? name.substring(0, name.length() - 5) : name;
            return base + "[" + section + "]" + (offset >= 0 ? "<" + offset + ">" : "");
        }

        /** Whether this is the whole message: BODY[] or BODY.PEEK[] without a partial range. */
        public boolean wholeMessage() {
            return (name.equals("BODY") || name.equals("BODY.PEEK")) && "".equals(section) && offset < 0;
        }
    }

    public boolean needsContent() {
        return items.stream().anyMatch(Item::content);
    }

    public boolean has(String name) {
        return items.stream().anyMatch(item -> item.name().equals(name) && item.section() == null);
    }

    /**
     * Parses what follows "FETCH ": a sequence set, a space, the items (a macro, one item, or a list), and any
     * modifiers up to the end of the line.
     */
    static FetchRequest parse(ImapReader in, boolean uid) {
        String messageSet = in.word("");
        if (!messageSet.chars().allMatch(c -> Character.isDigit(c) || c == ':' || c == ',' || c == '*' || c == '$')) {
            throw new ImapSyntaxException("bad message set");
        }
        in.space();
        List<Item> items = new ArrayList<>();
        if (in.accept('(')) {
            do {
                item(in, items);
            } while (in.accept(' '));
            in.expect(')');
        } else {
            item(in, items);
        }
        int start = in.position();
        int end = in.buffer().writerIndex() - 2;
        String modifiers = in.buffer().toString(start, Math.max(0, end - start), StandardCharsets.ISO_8859_1);
        if (!modifiers.isEmpty() && !modifiers.startsWith(" (")) {
            throw new ImapSyntaxException("unexpected text after the fetch items");
        }
        if (items.isEmpty() || items.size() > 100) {
            throw new ImapSyntaxException("too many fetch items");
        }
        return new FetchRequest(uid, messageSet, List.copyOf(items), modifiers);
    }

    private static void item(ImapReader in, List<Item> items) {
        int start = in.position();
        String name = in.word("()[<").toUpperCase(Locale.ROOT);
        switch (name) {
            case "ALL" -> macro(items, "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE");
            case "FAST" -> macro(items, "FLAGS", "INTERNALDATE", "RFC822.SIZE");
            case "FULL" -> macro(items, "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY");
            default -> {
                String section = null;
                long offset = -1;
                long length = -1;
                if (in.peek() == '[') {
                    section = in.section();
                    if (MessageView.parseSection(section) == null) {
                        throw new ImapSyntaxException("bad section");
                    }
                    if (in.accept('<')) {
                        offset = number(in.word(".>"));
                        in.expect('.');
                        length = number(in.word(">"));
                        in.expect('>');
                        if (length == 0) {
                            throw new ImapSyntaxException("a partial range of no octets");
                        }
                    }
                } else if (!name.chars().allMatch(c -> ImapSyntax.isAtomChar(c))) {
                    throw new ImapSyntaxException("bad fetch item");
                }
                String text = in.buffer().toString(start, in.position() - start, StandardCharsets.ISO_8859_1);
                items.add(new Item(name, section, offset, length, text));
            }
        }
    }

    private static void macro(List<Item> items, String... names) {
        for (String name : names) {
            items.add(new Item(name, null, -1, -1, name));
        }
    }

    private static long number(String digits) {
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(Character::isDigit)) {
            throw new ImapSyntaxException("bad number");
        }
        long value = Long.parseLong(digits);
        if (value > 0xffffffffL) {
            throw new ImapSyntaxException("number out of range");
        }
        return value;
    }
}
