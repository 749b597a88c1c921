package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.mailseal.imap.message.MessageView;

/**
 * Turns a client's FETCH into what the upstream is asked, and the upstream's FETCH responses into what the client
 * gets. The upstream is asked for the client's own items (so that a non-PEEK item sets \Seen there and the server
 * reports the FLAGS itself, RFC 3501 §6.4.5) plus UID and the top-level Content-Type field (which tells whether
 * the message is encrypted). A plaintext message's response goes back as it came, without the added items; an encrypted one's
 * content items are answered from the decrypted message.
 */
final class FetchRewriter {
    /** Items whose values come from the message's content. */
    private static final Set<String> CONTENT = Set.of("BODY", "BODYSTRUCTURE", "ENVELOPE", "RFC822", "RFC822.HEADER",
            "RFC822.TEXT", "RFC822.SIZE", "BINARY", "BINARY.SIZE");

    /** The item that tells an encrypted message from a plain one, and the server's name for it. */
    static final String VERDICT = "BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)]";
    static final String VERDICT_NAME = "BODY[HEADER.FIELDS (CONTENT-TYPE)]";

    private FetchRewriter() {}

    /** The command for the upstream: the client's items, then what the proxy needs. */
    static String upstreamCommand(String tag, FetchRequest request, boolean wholeLater) {
        StringBuilder command = new StringBuilder(tag).append(request.uid() ? " UID FETCH " : " FETCH ")
                .append(request.messageSet()).append(" (");
        for (FetchRequest.Item item : request.items()) {
            if (!(wholeLater && item.wholeMessage())) {
                command.append(item.text()).append(' ');
            }
        }
        if (!request.has("UID")) {
            command.append("UID ");
        }
        if (!request.has("BODYSTRUCTURE") && !asked(request, VERDICT_NAME)
                && (wholeLater || request.items().stream().noneMatch(FetchRequest.Item::wholeMessage))) {
            // Whether a message is encrypted, from its top-level Content-Type: cheaper for a server than
            // BODYSTRUCTURE. (With the whole message asked for in one step, its own header tells.)
            command.append(VERDICT).append(' ');
        }
        command.setLength(command.length() - 1);
        return command.append(')').append(request.modifiers()).append("\r\n").toString();
    }

    /** Whether an upstream item is one the proxy added and the client did not ask for. */
    private static boolean added(FetchResponse.Item item, FetchRequest request) {
        return switch (item.name()) {
            case "UID" -> !request.uid() && !request.has("UID");
            case VERDICT_NAME -> !asked(request, VERDICT_NAME);
            default -> false;
        };
    }

    /** Whether the client asked for an item the server names so. */
    private static boolean asked(FetchRequest request, String responseName) {
        return request.items().stream().anyMatch(item -> normalized(item.responseName()).equals(responseName));
    }

    /** A plaintext message's response, as the upstream gave it, without what the proxy added. */
    static ByteBuf passThrough(FetchResponse response, FetchRequest request, ByteBufAllocator alloc) {
        ByteBuf out = start(response, alloc);
        boolean first = true;
        for (FetchResponse.Item item : response.items()) {
            if (!added(item, request)) {
                first = separate(out, first);
                out.writeBytes(response.unit(), item.start(), item.end() - item.start());
            }
        }
        return end(out);
    }

    /**
     * An encrypted message's response, item for item in the upstream's order (so that it reads as the server would
     * have answered for the plaintext): items that do not depend on content (UID, FLAGS, INTERNALDATE, MODSEQ, ...)
     * as the server gave them, content items under the server's own name with values from the plaintext.
     */
    static ByteBuf decrypted(FetchResponse response, FetchRequest request, MessageView view, ByteBufAllocator alloc,
                             boolean wholeLater) {
        ByteBuf out = start(response, alloc);
        boolean first = true;
        List<FetchRequest.Item> unanswered = new ArrayList<>(request.items().stream().filter(FetchRequest.Item::content)
                .toList());
        int wholeAt = wholeLater ? wholeIndex(request) : -1; // not asked of the server: placed as the client asked
        for (FetchResponse.Item item : response.items()) {
            if (added(item, request)) {
                continue;
            }
            if (wholeAt >= 0 && clientIndex(item, request) > wholeAt) {
                first = separate(out, first);
                FetchRequest.Item whole = request.items().get(wholeAt);
                out.writeCharSequence(whole.responseName() + " ", StandardCharsets.US_ASCII);
                value(out, whole, view);
                unanswered.removeIf(FetchRequest.Item::wholeMessage);
                wholeAt = -1;
            }
            if (!CONTENT.contains(item.base())) {
                first = separate(out, first);
                out.writeBytes(response.unit(), item.start(), item.end() - item.start());
                continue;
            }
            FetchRequest.Item asked = matching(item, request.items());
            if (asked != null) {
                // Answered as often as the server echoes it (Dovecot answers a repeated item twice).
                unanswered.removeIf(other -> normalized(other.responseName()).equals(normalized(asked.responseName())));
                first = separate(out, first);
                int nameEnd = item.valueStart();
                while (nameEnd > item.start() && response.unit().getByte(nameEnd - 1) == ' ') {
                    nameEnd--;
                }
                out.writeBytes(response.unit(), item.start(), nameEnd - item.start()).writeByte(' '); // the server's name
                value(out, asked, view);
            }
        }
        java.util.Set<String> late = new java.util.HashSet<>();
        for (FetchRequest.Item asked : unanswered) { // not echoed by the server: answered under the RFC's name
            if (late.add(normalized(asked.responseName()))) {
                first = separate(out, first);
                out.writeCharSequence(asked.responseName() + " ", StandardCharsets.US_ASCII);
                value(out, asked, view);
            }
        }
        return end(out);
    }

    /** The first whole-message item the client asked for. */
    private static int wholeIndex(FetchRequest request) {
        for (int i = 0; i < request.items().size(); i++) {
            if (request.items().get(i).wholeMessage()) {
                return i;
            }
        }
        return -1;
    }

    /** Where the client listed the item an upstream item answers; -1 for one it did not ask for. */
    private static int clientIndex(FetchResponse.Item item, FetchRequest request) {
        String name = normalized(item.name());
        for (int i = 0; i < request.items().size(); i++) {
            if (normalized(request.items().get(i).responseName()).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A plaintext message's response from the first step of a whole-message fetch, with the message from the
     * second step's response placed where the client asked for it.
     */
    static ByteBuf passThroughWith(FetchResponse response, FetchRequest request, FetchResponse second,
                                   ByteBufAllocator alloc) {
        ByteBuf out = start(response, alloc);
        boolean first = true;
        FetchResponse.Item whole = second == null ? null : second.item("BODY[]");
        int wholeAt = wholeIndex(request);
        for (FetchResponse.Item item : response.items()) {
            if (added(item, request)) {
                continue;
            }
            if (whole != null && clientIndex(item, request) > wholeAt) {
                first = separate(out, first);
                out.writeBytes(second.unit(), whole.start(), whole.end() - whole.start());
                whole = null;
            }
            first = separate(out, first);
            out.writeBytes(response.unit(), item.start(), item.end() - item.start());
        }
        if (whole != null) {
            separate(out, first);
            out.writeBytes(second.unit(), whole.start(), whole.end() - whole.start());
        }
        return end(out);
    }

    /** The client's item an upstream content item answers: the same name, compared without case and quotes. */
    private static FetchRequest.Item matching(FetchResponse.Item item, List<FetchRequest.Item> asked) {
        String name = normalized(item.name());
        for (FetchRequest.Item candidate : asked) {
            if (normalized(candidate.responseName()).equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    /** An item name for comparing: upper case, without quotes, runs of white space as one space. (Per FETCH item.) */
    private static String normalized(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean space = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"') {
                continue;
            }
            if (Character.isWhitespace(c)) {
                space = true;
                continue;
            }
            if (space && out.length() > 0) {
                out.append(' ');
            }
            space = false;
            out.append(Character.toUpperCase(c));
        }
        return out.toString();
    }

    private static void value(ByteBuf out, FetchRequest.Item item, MessageView view) {
        switch (item.name()) {
            case "RFC822.SIZE" -> out.writeCharSequence(Integer.toString(view.size()), StandardCharsets.US_ASCII);
            case "ENVELOPE" -> out.writeBytes(view.envelope());
            case "BODYSTRUCTURE" -> out.writeBytes(view.bodyStructure());
            case "RFC822" -> literal(out, view.section(""));
            case "RFC822.HEADER" -> literal(out, view.section("HEADER"));
            case "RFC822.TEXT" -> literal(out, view.section("TEXT"));
            case "BINARY.SIZE" -> {
                byte[] section = view.section(item.section());
                out.writeCharSequence(Integer.toString(section == null ? 0 : section.length), StandardCharsets.US_ASCII);
            }
            default -> { // BODY, BODY.PEEK, BINARY, BINARY.PEEK
                if (item.section() == null) {
                    out.writeBytes(view.body());
                } else {
                    literal(out, partial(view.section(item.section()), item.offset(), item.length()));
                }
            }
        }
    }

    private static byte[] partial(byte[] section, long offset, long length) {
        if (section == null || offset < 0) {
            return section;
        }
        if (offset >= section.length) {
            return new byte[0];
        }
        int to = (int) Math.min(section.length, offset + length);
        return java.util.Arrays.copyOfRange(section, (int) offset, to);
    }

    /** A section that does not exist is the empty string, as Dovecot answers it. */
    private static void literal(ByteBuf out, byte[] value) {
        if (value == null) {
            value = new byte[0];
        }
        out.writeByte('{').writeCharSequence(Integer.toString(value.length), StandardCharsets.US_ASCII);
        out.writeByte('}').writeByte('\r').writeByte('\n').writeBytes(value);
    }

    private static ByteBuf start(FetchResponse response, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(response.unit().readableBytes() + 256);
        out.writeCharSequence("* " + response.sequence() + " FETCH (", StandardCharsets.US_ASCII);
        return out;
    }

    private static boolean separate(ByteBuf out, boolean first) {
        if (!first) {
            out.writeByte(' ');
        }
        return false;
    }

    private static ByteBuf end(ByteBuf out) {
        return out.writeByte(')').writeByte('\r').writeByte('\n');
    }
}
