package org.mailseal.pop3;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;

/**
 * One server response: its status line, and for a positive reply to a multi-line command the lines that follow, as
 * received (dot-stuffed) up to the terminating "." line (RFC 1939 §3). {@link #raw()} holds the whole response with
 * its terminator, so a response passes through byte for byte; the holder releases it.
 */
record Pop3Response(String status, ByteBuf raw, int bodyStart, int bodyEnd) implements ReferenceCounted {
    boolean ok() {
        return status.startsWith("+OK");
    }

    boolean multiLine() {
        return bodyStart >= 0;
    }

    /** The status line's text after "+OK " or "-ERR ". */
    String text() {
        int space = status.indexOf(' ');
        return space < 0 ? "" : status.substring(space + 1);
    }

    /** The multi-line body as sent (dot-stuffed, every line ending in CRLF), a slice of {@link #raw()}. */
    ByteBuf body() {
        return raw.slice(raw.readerIndex() + bodyStart, bodyEnd - bodyStart);
    }

    /** The body's lines, without dot-stuffing and CRLF (for listings: LIST, UIDL, CAPA). */
    java.util.List<String> lines() {
        java.util.List<String> lines = new java.util.ArrayList<>();
        ByteBuf body = body();
        int at = body.readerIndex();
        while (at < body.writerIndex()) {
            int lf = body.indexOf(at, body.writerIndex(), (byte) '\n');
            int end = lf < 0 ? body.writerIndex() : lf;
            int from = at < end && body.getByte(at) == '.' ? at + 1 : at;
            int to = end > from && body.getByte(end - 1) == '\r' ? end - 1 : end;
            lines.add(body.toString(from, to - from, StandardCharsets.UTF_8));
            at = end + 1;
        }
        return lines;
    }

    @Override
    public int refCnt() {
        return raw.refCnt();
    }

    @Override
    public Pop3Response retain() {
        raw.retain();
        return this;
    }

    @Override
    public Pop3Response retain(int increment) {
        raw.retain(increment);
        return this;
    }

    @Override
    public Pop3Response touch() {
        raw.touch();
        return this;
    }

    @Override
    public Pop3Response touch(Object hint) {
        raw.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return raw.release();
    }

    @Override
    public boolean release(int decrement) {
        return raw.release(decrement);
    }
}
