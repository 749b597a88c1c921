package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * Cuts an IMAP byte stream into whole commands (server side) or whole responses (client side): a line, and when it
 * ends in a literal announcement ({@code {n}}, {@code {n+}}, {@code ~{n}}), the literal's octets and the line after
 * them, until a line that announces none (RFC 3501 §2.2, §4.3; RFC 7888 non-synchronizing literals).
 *
 * <p>Every part is bounded: a line by {@code maxLine}, a literal by {@link #limits(int, int, boolean)}, and a whole
 * unit likewise; a declared size is checked before a single octet of it is buffered. On the server side the decoder
 * invites each synchronizing literal itself ({@code + Ready}), only once its size is known to be acceptable.
 *
 * <p>The channel runs with auto-read off. On the server side the decoder is pulled: it decodes one unit each time
 * the session calls {@link #request()}, so that nothing sent after STARTTLS is read before the handshake
 * ({@link #discardBuffered()}); before it waits for the peer it flushes the channel, so that replies the session
 * wrote go out together. On the client side (upstream responses) it decodes continuously until {@link #pause()}.
 */
public final class ImapFrameDecoder extends ChannelInboundHandlerAdapter {
    /** Which stream this decoder reads. */
    public enum Side {
        /** Commands from a client: synchronizing literals are invited with a continuation request. */
        COMMANDS,
        /** Responses from a server. */
        RESPONSES
    }

    private static final byte[] CONTINUE = "+ Ready for literal data\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LITERAL_DIGITS = 10;

    private final Side side;
    private final int maxLine;
    private int maxLiteral;
    private int maxUnit;
    private boolean nonSynchronizingAllowed;

    private ChannelHandlerContext ctx;
    private ByteBuf buffer;
    private boolean wanted;
    private boolean decoding;
    // Where the current unit and its current line begin (relative to the reader index, which stays at the unit's
    // start until the unit is complete), and the end of a literal being received.
    private int lineStart;
    private int literalEnd = -1;
    private boolean skippingLongLine;
    private String skippedTag;

    /**
     * @param maxLine    longest line, CRLF included
     * @param maxLiteral largest literal
     * @param maxUnit    largest whole unit (lines and literals)
     */
    public ImapFrameDecoder(Side side, int maxLine, int maxLiteral, int maxUnit) {
        if (maxLine < 64 || maxLiteral < 0 || maxUnit < maxLine) {
            throw new IllegalArgumentException("limits too small: line " + maxLine + ", literal " + maxLiteral
                    + ", unit " + maxUnit);
        }
        this.side = side;
        this.maxLine = maxLine;
        this.maxLiteral = maxLiteral;
        this.maxUnit = maxUnit;
        this.nonSynchronizingAllowed = side == Side.RESPONSES;
        this.wanted = side == Side.RESPONSES;
    }

    /** Changes the literal limits (tighter before authentication, RFC 7888 §4 LITERAL- style). */
    public void limits(int maxLiteral, int maxUnit, boolean nonSynchronizingAllowed) {
        this.maxLiteral = maxLiteral;
        this.maxUnit = Math.max(maxUnit, maxLine);
        this.nonSynchronizingAllowed = nonSynchronizingAllowed;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.buffer = ctx.alloc().buffer(256);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The connection is gone: its unread bytes go now, not when the pipeline is taken down (which an event loop
        // shutting down may never get to).
        if (buffer != null && !decoding) {
            buffer.release();
            buffer = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (wanted) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            accumulate(in);
        } finally {
            in.release();
        }
        decode();
    }

    /** Server side: asks for the next command. */
    public void request() {
        wanted = true;
        decode();
    }

    /** Client side: stops handing up responses (the client of the proxy is not keeping up). */
    public void pause() {
        wanted = false;
    }

    /** Client side: hands up responses again. */
    public void resume() {
        wanted = true;
        decode();
    }

    /** Bytes received and not handed up yet. */
    public int buffered() {
        return buffer == null ? 0 : buffer.readableBytes();
    }

    /** Drops whatever was received and not handed up yet (RFC 3501 §6.2.1: after STARTTLS). */
    public void discardBuffered() {
        if (buffer != null) {
            buffer.clear();
        }
        lineStart = 0;
        literalEnd = -1;
        skippingLongLine = false;
    }

    private void accumulate(ByteBuf in) {
        if (buffer == null) {
            return; // after the connection ended
        }
        if (buffer.refCnt() > 1 || buffer.writableBytes() < in.readableBytes()) {
            // Units handed up share this buffer's memory: never compact under them; move to a fresh buffer instead.
            ByteBuf fresh = ctx.alloc().buffer(Math.max(256, buffer.readableBytes() + in.readableBytes()));
            fresh.writeBytes(buffer);
            buffer.release();
            buffer = fresh;
        }
        buffer.writeBytes(in);
    }

    private void decode() {
        if (decoding || ctx == null || buffer == null) {
            return; // called back from a frame handler: the loop below carries on
        }
        decoding = true;
        try {
            while (wanted && buffer != null && buffer.isReadable() && !ctx.isRemoved() && decodeUnit()) {
                // one unit (or one error) handed up each round
            }
        } finally {
            decoding = false;
        }
        if (buffer != null && !ctx.channel().isActive()) {
            buffer.release(); // the connection ended while a unit was being handled
            buffer = null;
            return;
        }
        if (wanted && buffer != null && !ctx.isRemoved()) {
            if (side == Side.COMMANDS) {
                ctx.flush(); // about to wait for the client: what was answered so far goes out now
            }
            ctx.read();
        }
    }

    /** Returns true when it handed something up, false when it needs more bytes. */
    private boolean decodeUnit() {
        int unit = buffer.readerIndex();
        while (true) {
            unit = buffer.readerIndex();
            if (literalEnd >= 0) {
                if (buffer.writerIndex() - unit < literalEnd) {
                    return false;
                }
                lineStart = literalEnd;
                literalEnd = -1;
            }
            int from = unit + lineStart;
            int lf = buffer.indexOf(from, buffer.writerIndex(), (byte) '\n');
            if (skippingLongLine) {
                if (lf < 0) {
                    buffer.readerIndex(buffer.writerIndex());
                    lineStart = 0;
                    return false;
                }
                buffer.readerIndex(lf + 1);
                lineStart = 0;
                skippingLongLine = false;
                return handUp(new ImapFrame.LineTooLong(skippedTag));
            }
            if (lf < 0 ? buffer.writerIndex() - from > maxLine : lf + 1 - from > maxLine) {
                skippedTag = tag(unit);
                skippingLongLine = true;
                buffer.readerIndex(from); // the unit's earlier lines and literals go now, the rest of the line soon
                lineStart = 0;
                literalEnd = -1;
                continue;
            }
            if (lf < 0) {
                return false;
            }
            if (lf == from || buffer.getByte(lf - 1) != '\r') {
                String tag = tag(unit);
                dropThrough(lf);
                return handUp(new ImapFrame.BareLineFeed(tag));
            }
            long literal = literalAnnounced(from, lf - 1);
            if (literal == NONE) {
                ByteBuf raw = buffer.retainedSlice(unit, lf + 1 - unit);
                String tag = tag(unit);
                dropThrough(lf);
                return handUp(new ImapFrame.Unit(tag, raw));
            }
            boolean synchronizing = literal >= 0;
            long size = synchronizing ? literal : -literal - 1;
            long unitSize = (lf + 1 - unit) + size;
            if (size > maxLiteral || unitSize > maxUnit || (!synchronizing && !nonSynchronizingAllowed)) {
                String tag = tag(unit);
                dropThrough(lf);
                return handUp(new ImapFrame.LiteralTooBig(tag, synchronizing));
            }
            if (synchronizing && side == Side.COMMANDS) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
            }
            literalEnd = (int) unitSize;
        }
    }

    private static final long NONE = Long.MIN_VALUE;

    /**
     * The literal a line announces at its end (the bytes before its CRLF): its size for {@code {n}}, minus the size
     * minus one for {@code {n+}}, {@link #NONE} for no announcement; a size of more than ten digits counts as
     * {@link Long#MAX_VALUE}, which no limit admits.
     */
    private long literalAnnounced(int from, int cr) {
        if (cr - from < 3 || buffer.getByte(cr - 1) != '}') {
            return NONE;
        }
        int end = cr - 1;
        boolean plus = buffer.getByte(end - 1) == '+';
        int digitsEnd = plus ? end - 1 : end;
        int i = digitsEnd;
        while (i > from && Character.isDigit(buffer.getByte(i - 1))) {
            i--;
        }
        if (i == digitsEnd || i == from || buffer.getByte(i - 1) != '{') {
            return NONE;
        }
        long size;
        if (digitsEnd - i > MAX_LITERAL_DIGITS) {
            size = Long.MAX_VALUE - 1;
        } else {
            size = Long.parseLong(buffer.toString(i, digitsEnd - i, StandardCharsets.US_ASCII));
        }
        return plus ? -size - 1 : size;
    }

    /** The unit's tag: its first word, when it looks like one (RFC 3501 §9 "tag"), else "*". */
    private String tag(int unit) {
        int end = Math.min(buffer.writerIndex(), unit + 64);
        int i = unit;
        while (i < end && ImapSyntax.isTagChar(buffer.getByte(i))) {
            i++;
        }
        if (i == unit || i == end || buffer.getByte(i) != ' ') {
            return "*";
        }
        return buffer.toString(unit, i - unit, StandardCharsets.US_ASCII);
    }

    private void dropThrough(int lf) {
        buffer.readerIndex(lf + 1);
        lineStart = 0;
        literalEnd = -1;
    }

    private boolean handUp(ImapFrame frame) {
        if (side == Side.COMMANDS) {
            wanted = false; // until the session asks again
        }
        ctx.fireChannelRead(frame);
        return true;
    }
}
