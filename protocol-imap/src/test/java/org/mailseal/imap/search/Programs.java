package org.mailseal.imap.search;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.mailseal.imap.ImapReader;

/** Test helper: parses program text (UTF-8, CRLF appended) as the session would after "SEARCH ". */
final class Programs {
    private Programs() {
    }

    static SearchProgram parse(String program) {
        return parseOctets(program.getBytes(StandardCharsets.UTF_8));
    }

    static SearchProgram parseOctets(byte[] program) {
        ByteBuf buf = Unpooled.buffer().writeBytes(program).writeBytes(new byte[] {'\r', '\n'});
        try {
            return SearchProgram.parse(new ImapReader(buf));
        } finally {
            buf.release();
        }
    }
}
