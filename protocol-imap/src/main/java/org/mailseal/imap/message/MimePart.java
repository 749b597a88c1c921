package org.mailseal.imap.message;

import java.util.ArrayList;
import java.util.List;

/**
 * One body part of a parsed message: its octet range and what its header says. Built by {@link MimeTreeParser}
 * and never changed afterwards.
 *
 * <p>{@code [start, headerEnd)} is the header (with the empty line ending it, when there is one) and
 * {@code [headerEnd, end)} the body. A multipart's body runs from after its header to the line end before the
 * enclosing part's next delimiter (RFC 2046 §5.1.1), preamble and epilogue included.
 */
final class MimePart {
    final MimePart parent;
    final int start;
    final int depth;
    /** Children of a multipart, or the single encapsulated message of a message/rfc822 part. */
    final List<MimePart> children = new ArrayList<>(0);
    int headerEnd;
    int end;
    List<HeaderField> fields = List.of();
    ContentFields content = ContentFields.NONE;
    /** The Content-Type is multipart/*: BODYSTRUCTURE nests, even when no parts were found. */
    boolean multipart;
    /** message/rfc822 (explicit, or by default inside multipart/digest) with its encapsulated message parsed. */
    boolean rfc822;
    /** multipart/digest: its parts default to message/rfc822. */
    boolean digest;
    /** Dovecot's text flag: a text/* Content-Type or none at all. */
    boolean text;
    /** The boundary parameter of a multipart, null when absent. */
    String multipartBoundary;
    /** Parsed only for a message: the root and the child of a message/rfc822 part. */
    Envelope envelope;

    MimePart(MimePart parent, int start, int depth) {
        this.parent = parent;
        this.start = start;
        this.depth = depth;
        this.headerEnd = start;
        this.end = start;
    }

    MimePart message() {
        return children.get(0);
    }

    int lines(byte[] m) {
        int n = 0;
        for (int i = headerEnd; i < end; i++) {
            if (m[i] == '\n') {
                n++;
            }
        }
        return n;
    }
}
