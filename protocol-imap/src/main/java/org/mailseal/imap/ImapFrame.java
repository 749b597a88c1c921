package org.mailseal.imap;

import io.netty.buffer.ByteBuf;

/**
 * What {@link ImapFrameDecoder} hands up: one whole command or response (RFC 3501 §2.2: a line and any literals it
 * announces, up to a line that announces none), or the reason there is none.
 */
public sealed interface ImapFrame {
    /** The tag of the unit this frame belongs to, as far as it could be read; "*" when there is none. */
    String tag();

    /** A whole unit as received: its lines with their CRLFs and its literals' octets. The receiver releases it. */
    record Unit(String tag, ByteBuf raw) implements ImapFrame {}

    /** A line above the limit. It was skipped through its end; the unit it started is dropped. */
    record LineTooLong(String tag) implements ImapFrame {}

    /**
     * A literal above the limit (or a non-synchronizing one where none is allowed). A synchronizing literal was never
     * invited, so the client sends nothing more of that command; a non-synchronizing one is on its way regardless,
     * and the stream cannot be trusted any more.
     */
    record LiteralTooBig(String tag, boolean synchronizing) implements ImapFrame {}

    /** A line ending in a bare LF (RFC 3501 §2.2: CRLF only). The unit is dropped. */
    record BareLineFeed(String tag) implements ImapFrame {}
}
