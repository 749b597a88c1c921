package org.mailseal.crypto.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Header protection for encrypted messages, RFC 9788. The real header section travels inside the ciphertext
 * (marked with {@code hp="cipher"} on the inner Content-Type and an {@code HP-Outer} field for every field left
 * outside); the outside keeps only what transport needs and a placeholder Subject.
 */
public final class HeaderProtection {
    /** Fields that stay outside: transport, threading and trace. Everything else is confidential. */
    private static final Set<String> TRANSPORT = Set.of(
            "from", "sender", "to", "cc", "date", "message-id", "in-reply-to", "references",
            "received", "return-path", "delivered-to", "x-original-to", "autocrypt", "authentication-results");
    private static final List<String> TRANSPORT_PREFIXES = List.of("resent-", "list-", "arc-");
    /** Fields an MTA adds on the way; several of each may legitimately appear. */
    private static final Set<String> TRACE = Set.of(
            "received", "return-path", "delivered-to", "x-original-to", "authentication-results",
            "arc-seal", "arc-message-signature", "arc-authentication-results", "dkim-signature");
    /** Families of fields that mailing lists and filters add on the way. */
    private static final List<String> TRANSIT_PREFIXES = List.of("list-", "x-spam-", "x-virus-");
    private static final Pattern HP_PARAMETER = Pattern.compile(";\\s*hp\\s*=\\s*\"?cipher\"?", Pattern.CASE_INSENSITIVE);
    private static final String HP_OUTER = "HP-Outer";

    private HeaderProtection() {}

    /** The header sections that go outside and inside the ciphertext. */
    public record Split(List<HeaderField> outer, HeaderSection inner) {}

    /**
     * Splits a message's header for encryption.
     *
     * @param placeholderSubject the Subject shown outside, or null to switch header protection off (then only the
     *                           Content-* fields move inside, as in plain RFC 3156 / RFC 8551)
     */
    public static Split split(HeaderSection original, String placeholderSubject) {
        if (placeholderSubject == null) {
            List<HeaderField> outer = new ArrayList<>();
            List<HeaderField> inner = new ArrayList<>();
            for (HeaderField field : original.fields()) {
                if (isContentField(field)) {
                    inner.add(field);
                } else if (!field.is("MIME-Version")) {
                    outer.add(field);
                }
            }
            if (inner.stream().noneMatch(f -> f.is("Content-Type"))) {
                inner.add(0, HeaderField.of("Content-Type", "text/plain; charset=us-ascii"));
            }
            return new Split(outer, new HeaderSection(inner));
        }
        List<HeaderField> outer = new ArrayList<>();
        for (HeaderField field : original.fields()) {
            if (isTransport(field)) {
                outer.add(field);
            }
        }
        if (original.has("Subject")) {
            outer.add(HeaderField.of("Subject", placeholderSubject));
        }
        List<HeaderField> inner = new ArrayList<>();
        boolean hasContentType = false;
        for (HeaderField field : original.fields()) {
            if (field.is("Content-Type") && !hasContentType) {
                inner.add(markProtected(field));
                hasContentType = true;
            } else if (!field.is(HP_OUTER)) {
                inner.add(field);
            }
        }
        if (!hasContentType) {
            inner.add(markProtected(HeaderField.of("Content-Type", "text/plain; charset=us-ascii")));
        }
        for (HeaderField field : outer) {
            inner.add(new HeaderField(HP_OUTER, concat((HP_OUTER + ": ").getBytes(StandardCharsets.US_ASCII), field.raw())));
        }
        return new Split(outer, new HeaderSection(inner));
    }

    /**
     * The header of the decrypted message: the inner fields, with the markers of header protection removed, after
     * the outer fields worth keeping. For a message with protected headers (RFC 9788) those are only what the
     * network adds on the way (trace fields such as Received, mailing-list and spam-filter fields) and that the
     * inside does not hold already: any other outer field is unprotected and could have been added by anyone, so
     * it does not reach the reader (an injected Reply-To, say). Without header protection the outer header is the
     * message's real header, and its fields stay unless the inside replaces them.
     */
    public static HeaderSection restore(HeaderSection outer, HeaderSection inner) {
        boolean protectedInside = isProtected(inner);
        Set<String> innerNames = new HashSet<>();
        List<byte[]> innerRaw = new ArrayList<>();
        for (HeaderField field : inner.fields()) {
            innerNames.add(field.lowerName());
            innerRaw.add(field.raw());
        }
        List<HeaderField> merged = new ArrayList<>();
        for (HeaderField field : outer.fields()) {
            if (isContentField(field)) {
                continue; // they describe the encrypted wrapper
            }
            String name = field.lowerName();
            boolean addedInTransit = isAddedInTransit(name)
                    && innerRaw.stream().noneMatch(raw -> java.util.Arrays.equals(raw, field.raw()));
            boolean missingInside = !innerNames.contains(name);
            boolean keep = protectedInside
                    ? addedInTransit || (missingInside && name.equals("mime-version"))
                    : addedInTransit || missingInside;
            if (keep) {
                merged.add(field);
            }
        }
        for (HeaderField field : inner.fields()) {
            if (field.is(HP_OUTER)) {
                continue;
            }
            merged.add(field.is("Content-Type") ? unmarkProtected(field) : field);
        }
        return new HeaderSection(merged);
    }

    private static boolean isAddedInTransit(String lowerName) {
        return TRACE.contains(lowerName) || TRANSIT_PREFIXES.stream().anyMatch(lowerName::startsWith);
    }

    private static boolean isTransport(HeaderField field) {
        String name = field.lowerName();
        return TRANSPORT.contains(name) || TRANSPORT_PREFIXES.stream().anyMatch(name::startsWith);
    }

    private static boolean isContentField(HeaderField field) {
        return field.lowerName().startsWith("content-");
    }

    private static HeaderField markProtected(HeaderField contentType) {
        byte[] raw = contentType.raw();
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\r' || raw[end - 1] == '\n')) {
            end--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end + 20);
        out.write(raw, 0, end);
        out.writeBytes(";\r\n hp=\"cipher\"\r\n".getBytes(StandardCharsets.US_ASCII));
        return new HeaderField(contentType.name(), out.toByteArray());
    }

    private static HeaderField unmarkProtected(HeaderField contentType) {
        String text = new String(contentType.raw(), StandardCharsets.ISO_8859_1);
        String cleaned = HP_PARAMETER.matcher(text).replaceAll("");
        return new HeaderField(contentType.name(), cleaned.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Whether an inner header section carries RFC 9788 protected headers. */
    public static boolean isProtected(HeaderSection inner) {
        return inner.contentType().parameter("hp").map(v -> v.toLowerCase(Locale.ROOT).equals("cipher")).orElse(false);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] result = new byte[a.length + b.length];
        System.arraycopy(a, 0, result, 0, a.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }
}
