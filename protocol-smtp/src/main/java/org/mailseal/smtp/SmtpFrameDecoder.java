package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * Splits the client's byte stream into SMTP frames: command lines, or content until the end-of-data line.
 *
 * <p>Only CRLF ends a line and only CRLF "." CRLF ends the content: a bare CR or LF is content (RFC 5321 §2.3.8,
 * §4.1.1.4), which is what defeats SMTP smuggling. Lines are bounded: a command line longer than the limit is
 * discarded up to its CRLF, holding at most the limit in memory.
 *
 * <p>Decoding is pulled, not pushed: after each line, and after the end of the content, the decoder stops and
 * waits for the session to ask for the next line ({@link #requestLine()}) or for content ({@link #requestData()}),
 * which it may do at once, inside its handling of the frame, or later. Until then bytes stay buffered, so a
 * command pipelined behind DATA, STARTTLS or AUTH is never read with the wrong framing, and bytes pipelined behind
 * STARTTLS can be thrown away ({@link #discardBuffered()}). The channel must run with auto-read off; the decoder
 * reads when it needs bytes, and flushes the channel first: replies written while a pipelined batch is worked
 * through go out together once the batch is used up (RFC 2920 §3.1), so the handler writes without flushing.
 */
public final class SmtpFrameDecoder extends ChannelInboundHandlerAdapter {
    private enum Want { NOTHING, LINE, DATA }

    private final int maxCommandLine;
    private final int maxTextLine;
    private ChannelHandlerContext ctx;
    private ByteBuf buffer;
    private Want want = Want.NOTHING;
    private boolean decoding;
    private boolean discardingLongLine;
    // Content state.
    private boolean atLineStart;
    private boolean pendingCr;
    private int lineLength;
    private boolean lineTooLong;
    private boolean bareLineEndings;

    /**
     * @param maxCommandLine longest command line, CRLF included (RFC 5321 §4.5.3.1.4: 512)
     * @param maxTextLine    longest content line, CRLF included (RFC 5321 §4.5.3.1.6: 1000)
     */
    public SmtpFrameDecoder(int maxCommandLine, int maxTextLine) {
        if (maxCommandLine < 8 || maxTextLine < 8) {
            throw new IllegalArgumentException("line limits must be at least 8 octets");
        }
        this.maxCommandLine = maxCommandLine;
        this.maxTextLine = maxTextLine;
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
        // The connection is gone: its unread bytes go now, not when the pipeline is taken down.
        if (buffer != null && !decoding) {
            buffer.release();
            buffer = null;
        }
        ctx.fireChannelInactive();
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

    /** Asks for the next command line. */
    public void requestLine() {
        want = Want.LINE;
        decode();
    }

    /** Asks for message content: from here up to the end-of-data line. */
    public void requestData() {
        want = Want.DATA;
        atLineStart = true; // the content starts right after the DATA command's CRLF
        pendingCr = false;
        lineLength = 0;
        lineTooLong = false;
        bareLineEndings = false;
        decode();
    }

    /** Drops whatever the client sent that was not read yet (RFC 3207 §4.2: after STARTTLS). */
    public void discardBuffered() {
        if (buffer != null) {
            buffer.clear();
        }
        discardingLongLine = false;
    }

    /** Bytes received and not read yet. */
    public int buffered() {
        return buffer == null ? 0 : buffer.readableBytes();
    }

    private void accumulate(ByteBuf in) {
        if (buffer == null) {
            return; // after the connection ended
        }
        if (buffer.refCnt() > 1 || buffer.maxWritableBytes() < in.readableBytes()
                || buffer.writableBytes() < in.readableBytes()) {
            // Data frames share this buffer's memory: never compact under them; move to a fresh buffer instead.
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
            while (want != Want.NOTHING && buffer != null && buffer.isReadable() && !ctx.isRemoved()) {
                boolean progress = want == Want.LINE ? decodeLine() : decodeData();
                if (!progress) {
                    break;
                }
            }
        } finally {
            decoding = false;
        }
        if (buffer != null && !ctx.channel().isActive()) {
            buffer.release(); // the connection ended while a frame was being handled
            buffer = null;
            return;
        }
        if (want != Want.NOTHING && buffer != null && !ctx.isRemoved()) {
            ctx.flush(); // about to wait for the client: what was answered so far goes out now
            ctx.read(); // more bytes are needed
        }
    }

    /** Returns whether it consumed input; false when it needs more bytes. */
    private boolean decodeLine() {
        int start = buffer.readerIndex();
        int end = buffer.writerIndex();
        int crlf = findCrlf(start, end);
        if (discardingLongLine) {
            if (crlf < 0) {
                // Keep a trailing CR: its LF may come next.
                buffer.readerIndex(buffer.getByte(end - 1) == '\r' ? end - 1 : end);
                return false;
            }
            buffer.readerIndex(crlf + 2);
            discardingLongLine = false;
            emit(new SmtpFrame.LineTooLong(maxCommandLine));
            return true;
        }
        if (crlf < 0 || crlf + 2 - start > maxCommandLine) {
            if (crlf >= 0 || end - start >= maxCommandLine) {
                discardingLongLine = true;
                return true;
            }
            return false;
        }
        String text = buffer.toString(start, crlf - start, StandardCharsets.UTF_8);
        buffer.readerIndex(crlf + 2);
        emit(new SmtpFrame.Line(text));
        return true;
    }

    /** Index of the CR of the first CRLF in [from, to), or -1. */
    private int findCrlf(int from, int to) {
        int i = from;
        while (i < to) {
            int lf = buffer.indexOf(i, to, (byte) '\n');
            if (lf < 0) {
                return -1;
            }
            if (lf > from && buffer.getByte(lf - 1) == '\r') {
                return lf - 1;
            }
            i = lf + 1;
        }
        return -1;
    }

    private boolean decodeData() {
        int end = buffer.writerIndex();
        int chunkStart = buffer.readerIndex();
        int i = chunkStart;
        while (i < end) {
            if (pendingCr) {
                pendingCr = false; // the previous read ended in CR: this byte decides what it was
                if (buffer.getByte(i) == '\n') {
                    lineLength++;
                    endOfLine();
                    i++;
                    continue;
                }
                bareLineEndings = true;
            }
            if (atLineStart) {
                if (buffer.getByte(i) == '.') {
                    int available = end - i;
                    if (available >= 3 && buffer.getByte(i + 1) == '\r' && buffer.getByte(i + 2) == '\n') {
                        emitContent(chunkStart, i);
                        buffer.readerIndex(i + 3);
                        emit(new SmtpFrame.DataEnd(lineTooLong, bareLineEndings));
                        return true;
                    }
                    if (available == 1 || (available == 2 && buffer.getByte(i + 1) == '\r')) {
                        emitContent(chunkStart, i); // may still be the end line: wait for more bytes
                        buffer.readerIndex(i);
                        return false;
                    }
                    emitContent(chunkStart, i); // a stuffed dot (RFC 5321 §4.5.2): drop it
                    i++;
                    chunkStart = i;
                    lineLength++;
                }
                atLineStart = false;
                continue;
            }
            int next = buffer.forEachByte(i, end - i, ByteProcessor.FIND_CRLF);
            if (next < 0) {
                lineLength += end - i;
                i = end;
                break;
            }
            lineLength += next - i + 1;
            i = next + 1;
            if (buffer.getByte(next) == '\n') {
                bareLineEndings = true; // an LF without its CR
            } else if (i == end) {
                pendingCr = true;
            } else if (buffer.getByte(i) == '\n') {
                lineLength++;
                endOfLine();
                i++;
            } else {
                bareLineEndings = true; // a CR without its LF
            }
        }
        emitContent(chunkStart, i);
        buffer.readerIndex(i);
        if (lineLength > maxTextLine) {
            lineTooLong = true;
        }
        return false;
    }

    private void endOfLine() {
        if (lineLength > maxTextLine) {
            lineTooLong = true;
        }
        lineLength = 0;
        atLineStart = true;
    }

    private void emitContent(int from, int to) {
        if (to > from) {
            emit(new SmtpFrame.Data(buffer.retainedSlice(from, to - from)));
        }
    }

    private void emit(SmtpFrame frame) {
        if (!(frame instanceof SmtpFrame.Data)) {
            want = Want.NOTHING; // until the session asks again
        }
        ctx.fireChannelRead(frame);
    }
}
