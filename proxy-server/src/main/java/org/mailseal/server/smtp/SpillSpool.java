package org.mailseal.server.smtp;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.smtp.MessageContent;
import org.mailseal.smtp.MessageSpool;

/**
 * The SMTP spool on crypto's {@link SpillBuffer}: memory up to a threshold, then a temp file encrypted with a
 * throwaway key, so a message in flight never touches the disk in plaintext.
 */
public final class SpillSpool implements MessageSpool {
    private final SpillBuffer buffer;
    private final long maxBytes;

    public SpillSpool(int memoryBytes, long maxBytes) {
        this.buffer = new SpillBuffer(memoryBytes);
        this.maxBytes = maxBytes;
    }

    public static MessageSpool.Factory factory(int memoryBytes) {
        return maxBytes -> new SpillSpool(memoryBytes, maxBytes);
    }

    @Override
    public boolean write(ByteBuf chunk) {
        if (buffer.size() + chunk.readableBytes() > maxBytes) {
            return false;
        }
        try {
            chunk.getBytes(chunk.readerIndex(), buffer, chunk.readableBytes());
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public MessageContent finish() {
        return content(buffer);
    }

    @Override
    public void discard() {
        try {
            buffer.close();
        } catch (IOException e) {
            // the temp file is unreadable without its key anyway
        }
    }

    /** A spill buffer as message content: read it as often as needed, close it to drop it. */
    public static MessageContent content(SpillBuffer buffer) {
        return new MessageContent() {
            @Override
            public long size() {
                return buffer.size();
            }

            @Override
            public InputStream open() throws IOException {
                return buffer.openStream();
            }

            @Override
            public void close() {
                try {
                    buffer.close();
                } catch (IOException e) {
                    // as above
                }
            }
        };
    }
}
