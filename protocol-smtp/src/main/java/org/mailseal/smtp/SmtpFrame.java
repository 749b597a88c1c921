package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/** What {@link SmtpFrameDecoder} reads off the wire: command lines, or message content during DATA. */
public sealed interface SmtpFrame {

    /** A command line (or an AUTH continuation line) without its CRLF. */
    record Line(String text) implements SmtpFrame {}

    /** A command line longer than the limit; its bytes were discarded up to the next CRLF. */
    record LineTooLong(int limit) implements SmtpFrame {}

    /**
     * Message content, dot-unstuffed, in wire order; line ends are passed on as they came. The receiver owns
     * the buffer and must release it.
     */
    record Data(ByteBuf content) implements SmtpFrame, ReferenceCounted {
        @Override
        public int refCnt() {
            return content.refCnt();
        }

        @Override
        public Data retain() {
            content.retain();
            return this;
        }

        @Override
        public Data retain(int increment) {
            content.retain(increment);
            return this;
        }

        @Override
        public Data touch() {
            content.touch();
            return this;
        }

        @Override
        public Data touch(Object hint) {
            content.touch(hint);
            return this;
        }

        @Override
        public boolean release() {
            return content.release();
        }

        @Override
        public boolean release(int decrement) {
            return content.release(decrement);
        }
    }

    /**
     * The end of the content: CRLF "." CRLF, and only that (RFC 5321 §4.1.1.4; anything else is SMTP smuggling).
     *
     * @param lineTooLong     a content line was longer than the text line limit (RFC 5321 §4.5.3.1.6)
     * @param bareLineEndings the content held a CR or LF that was not part of CRLF
     */
    record DataEnd(boolean lineTooLong, boolean bareLineEndings) implements SmtpFrame {}
}
