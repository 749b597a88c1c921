package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A reply (RFC 5321 §4.2): a three-digit code, an optional enhanced status code (RFC 3463), and one or more text
 * lines. Text never carries CR, LF or NUL (DESIGN.md invariant 9), whatever it was built from.
 */
public record SmtpReply(int code, String enhanced, List<String> lines) {

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        lines = lines.stream().map(SmtpReply::clean).toList();
        if (lines.isEmpty()) {
            lines = List.of("");
        }
    }

    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, enhanced, List.of(text));
    }

    public boolean positive() {
        return code < 400;
    }

    public boolean transientFailure() {
        return code >= 400 && code < 500;
    }

    public boolean permanentFailure() {
        return code >= 500;
    }

    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length() && out.length() < 500; i++) {
            char c = text.charAt(i);
            out.append(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
        }
        return out.toString();
    }

    /** The reply on the wire: {@code 250-first}, ..., {@code 250 last}, each line ending in CRLF. */
    public ByteBuf encode(ByteBufAllocator allocator) {
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            wire.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhanced != null && !enhanced.isEmpty()) {
                wire.append(enhanced).append(' ');
            }
            wire.append(lines.get(i)).append("\r\n");
        }
        byte[] bytes = wire.toString().getBytes(StandardCharsets.UTF_8);
        return allocator.buffer(bytes.length).writeBytes(bytes);
    }

    @Override
    public String toString() {
        return code + (enhanced == null ? "" : " " + enhanced) + " " + String.join(" / ", lines);
    }
}
