package org.mailseal.pop3;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * Cuts a client's byte stream into command lines (RFC 1939 §3: "a command line ... terminated by a CRLF pair"), each
 * at most {@code maxLine} octets; a longer one is skipped to its end without being buffered, and handed up as
 * {@link Pop3Frame.TooLong}.
 *
 * <p>The channel runs with auto-read off and the decoder is pulled: it hands up one line each time the session calls
 * {@link #request()}, so nothing sent after STLS is read before the handshake ({@link #discardBuffered()}), and
 * pipelined commands (RFC 2449 §6.6) wait in the socket until their turn. Before it waits for the client it flushes
 * the channel, so that the replies to a pipelined batch go out together.
 */
final class Pop3CommandDecoder extends ChannelInboundHandlerAdapter {
    private final int maxLine;
    private ChannelHandlerContext ctx;
    private ByteBuf buffer;
    private boolean wanted;
    private boolean decoding;
    private boolean skipping;

    Pop3CommandDecoder(int maxLine) {
        this.maxLine = maxLine;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.buffer = ctx.alloc().buffer(256);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!decoding) {
            release();
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
            if (buffer != null) {
                buffer.discardReadBytes();
                buffer.writeBytes(in);
            }
        } finally {
            in.release();
        }
        decode();
    }

    /** Asks for the next command line. */
    void request() {
        wanted = true;
        decode();
    }

    /** Drops whatever was received and not handed up yet (RFC 2595 §4: after STLS). */
    void discardBuffered() {
        if (buffer != null) {
            buffer.clear();
        }
        skipping = false;
    }

    private void decode() {
        if (decoding || ctx == null || buffer == null) {
            return;
        }
        decoding = true;
        try {
            while (wanted && buffer != null && buffer.isReadable() && !ctx.isRemoved() && decodeLine()) {
                // one line handed up each round
            }
        } finally {
            decoding = false;
        }
        if (buffer != null && !ctx.channel().isActive()) {
            release();
            return;
        }
        if (wanted && buffer != null && !ctx.isRemoved()) {
            ctx.flush(); // about to wait for the client: what was answered so far goes out now
            ctx.read();
        }
    }

    /** Returns true when it handed a frame up, false when it needs more bytes. */
    private boolean decodeLine() {
        int start = buffer.readerIndex();
        int lf = buffer.indexOf(start, buffer.writerIndex(), (byte) '\n');
        if (skipping) {
            if (lf < 0) {
                buffer.clear();
                return false;
            }
            buffer.readerIndex(lf + 1);
            skipping = false;
            return handUp(new Pop3Frame.TooLong());
        }
        if (lf < 0 ? buffer.readableBytes() > maxLine : lf + 1 - start > maxLine) {
            skipping = true;
            return decodeLine();
        }
        if (lf < 0) {
            return false;
        }
        buffer.readerIndex(lf + 1);
        if (lf == start || buffer.getByte(lf - 1) != '\r') {
            return handUp(new Pop3Frame.Malformed());
        }
        for (int i = start; i < lf - 1; i++) {
            byte b = buffer.getByte(i);
            if (b == '\r' || b == 0) {
                return handUp(new Pop3Frame.Malformed());
            }
        }
        return handUp(new Pop3Frame.Line(buffer.toString(start, lf - 1 - start, StandardCharsets.UTF_8)));
    }

    private boolean handUp(Pop3Frame frame) {
        wanted = false; // until the session asks again
        ctx.fireChannelRead(frame);
        return true;
    }

    private void release() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }
}
