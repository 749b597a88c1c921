package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;

/** A spool in memory, for tests. */
final class InMemorySpool implements MessageSpool {
    static int discarded;
    private final long max;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    InMemorySpool(long max) {
        this.max = max;
    }

    @Override
    public boolean write(ByteBuf chunk) {
        if (bytes.size() + chunk.readableBytes() > max) {
            return false;
        }
        byte[] copy = new byte[chunk.readableBytes()];
        chunk.getBytes(chunk.readerIndex(), copy);
        bytes.writeBytes(copy);
        return true;
    }

    @Override
    public MessageContent finish() {
        byte[] content = bytes.toByteArray();
        return new MessageContent() {
            @Override
            public long size() {
                return content.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(content);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void discard() {
        discarded++;
    }
}
