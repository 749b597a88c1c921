package org.mailseal.pop3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Cuts a server's byte stream into responses. Whether a response has lines after its status line depends on the
 * command it answers, so the caller says so for each ({@link #next(boolean)}); only a "+OK" is followed by them.
 * A status line is at most {@code maxLine} octets, a multi-line response at most {@code maxResponse}; beyond either,
 * the stream is broken ({@link Pop3UpstreamException}).
 */
final class Pop3ResponseDecoder {
    private static final int MAX_STATUS_LINE = 8192;

    private final ByteBufAllocator alloc;
    private final int maxResponse;
    private ByteBuf buffer;
    /**
     * Where the search for the terminating line goes on in the multi-line response being received (relative to its
     * start; 0: from its status line), so that a large response is scanned once however it arrives.
     */
    private int resume;

    Pop3ResponseDecoder(ByteBufAllocator alloc, int maxResponse) {
        this.alloc = alloc;
        this.maxResponse = maxResponse;
        this.buffer = alloc.buffer(1024);
    }

    void feed(ByteBuf in) {
        if (buffer == null) {
            return;
        }
        if (buffer.refCnt() > 1 || buffer.writableBytes() < in.readableBytes()) {
            // Responses handed out share this buffer's memory: never compact under them; move to a fresh one.
            ByteBuf fresh = alloc.buffer(Math.max(1024, buffer.readableBytes() + in.readableBytes()));
            fresh.writeBytes(buffer);
            buffer.release();
            buffer = fresh;
        }
        buffer.writeBytes(in);
    }

    int buffered() {
        return buffer == null ? 0 : buffer.readableBytes();
    }

    /** The next whole response, or null until more bytes came. */
    Pop3Response next(boolean multiLine) {
        if (buffer == null) {
            return null;
        }
        int start = buffer.readerIndex();
        int statusLf = buffer.indexOf(start, Math.min(buffer.writerIndex(), start + MAX_STATUS_LINE), (byte) '\n');
        if (statusLf < 0) {
            if (buffer.readableBytes() >= MAX_STATUS_LINE) {
                throw new Pop3UpstreamException("upstream status line longer than " + MAX_STATUS_LINE + " octets");
            }
            return null;
        }
        int statusEnd = statusLf > start && buffer.getByte(statusLf - 1) == '\r' ? statusLf - 1 : statusLf;
        String status = buffer.toString(start, statusEnd - start, StandardCharsets.UTF_8);
        if (!status.startsWith("+OK") && !status.startsWith("-ERR")) {
            throw new Pop3UpstreamException("upstream sent a line that is no status: " + sanitize(status));
        }
        if (!multiLine || !status.startsWith("+OK")) {
            return take(status, statusLf + 1 - start, -1, -1);
        }
        // The body ends at the first line that is "." alone: CRLF "." CRLF, from the status line's LF on.
        int bodyStart = statusLf + 1 - start;
        int at = start + (resume > 0 ? resume : bodyStart - 1);
        while (true) {
            int lf = buffer.indexOf(at, buffer.writerIndex(), (byte) '\n');
            if (lf < 0 || lf + 3 >= buffer.writerIndex()) {
                resume = (lf < 0 ? buffer.writerIndex() : lf) - start;
                if (buffer.readableBytes() > maxResponse) {
                    throw new Pop3UpstreamException("upstream response larger than " + maxResponse + " octets");
                }
                return null;
            }
            if (buffer.getByte(lf + 1) == '.' && buffer.getByte(lf + 2) == '\r' && buffer.getByte(lf + 3) == '\n') {
                resume = 0;
                return take(status, lf + 4 - start, bodyStart, lf + 1 - start);
            }
            at = lf + 1;
        }
    }

    private Pop3Response take(String status, int length, int bodyStart, int bodyEnd) {
        ByteBuf raw = buffer.retainedSlice(buffer.readerIndex(), length);
        buffer.skipBytes(length);
        if (!buffer.isReadable() && buffer.refCnt() == 1) {
            buffer.clear();
        }
        return new Pop3Response(status, raw, bodyStart, bodyEnd);
    }

    void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    static String sanitize(String line) {
        String shown = line.length() > 200 ? line.substring(0, 200) + "..." : line;
        return shown.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
