package org.mailseal.smtp;

import io.netty.buffer.ByteBuf;

/**
 * Where DATA goes while it arrives: bounded, in memory then (in proxy-server) an encrypted temp file. The session
 * writes chunks, then either takes the content or discards it.
 */
public interface MessageSpool {

    /** Appends content; the buffer stays the caller's. Returns false once the message is larger than allowed. */
    boolean write(ByteBuf chunk);

    /** The whole message, from now on owned by the caller. */
    MessageContent finish();

    /** Drops everything written (client gone, message refused). */
    void discard();

    interface Factory {
        MessageSpool create(long maxBytes);
    }
}
