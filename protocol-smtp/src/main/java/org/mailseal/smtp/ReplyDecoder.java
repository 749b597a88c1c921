package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the upstream's replies (RFC 5321 §4.2): lines "code-text" up to a last line "code text", bounded in line
 * length and line count. The enhanced status code (RFC 3463), when the text starts with one, is split off.
 * A reply that breaks the grammar closes the connection: an upstream that cannot be understood is not trusted.
 */
public final class ReplyDecoder extends ByteToMessageDecoder {
    private static final Pattern ENHANCED = Pattern.compile("^([245]\\.\\d{1,3}\\.\\d{1,3}) ?(.*)$");
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;

    private final List<String> lines = new ArrayList<>();
    private int code = -1;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            int lf = in.indexOf(in.readerIndex(), Math.min(in.writerIndex(), in.readerIndex() + MAX_LINE), (byte) '\n');
            if (lf < 0) {
                if (in.readableBytes() >= MAX_LINE) {
                    throw new CorruptedFrameException("upstream reply line too long");
                }
                return;
            }
            int end = lf > in.readerIndex() && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            String line = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
            in.readerIndex(lf + 1);
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new CorruptedFrameException("malformed upstream reply");
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && lineCode != code) {
                throw new CorruptedFrameException("reply code changed within a multi-line reply");
            }
            code = lineCode;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (lines.size() > MAX_LINES) {
                throw new CorruptedFrameException("upstream reply has too many lines");
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                out.add(reply());
                lines.clear();
                code = -1;
            }
        }
    }

    private SmtpReply reply() {
        if (code < 200 || code > 599) {
            throw new CorruptedFrameException("reply code out of range");
        }
        Matcher enhanced = ENHANCED.matcher(lines.get(0));
        if (enhanced.matches() && lines.size() == 1) {
            return SmtpReply.of(code, enhanced.group(1), enhanced.group(2));
        }
        return new SmtpReply(code, null, List.copyOf(lines));
    }
}
