package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * What goes to the client, in the order it was queued (notes/imap.md 2): a response that waits for decryption is a
 * pending entry, and everything after it waits too. Used on the client channel's event loop only.
 */
final class OutputQueue {
    private final ChannelHandlerContext ctx;
    private final ArrayDeque<CompletableFuture<ByteBuf>> entries = new ArrayDeque<>();
    private boolean flushScheduled;

    OutputQueue(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** A finished response at the end of the queue. */
    void add(ByteBuf response) {
        entries.add(CompletableFuture.completedFuture(response));
        drain();
    }

    /** A pending response at the end of the queue; once completed, {@link #drain()} writes it in its turn. */
    CompletableFuture<ByteBuf> reserve() {
        CompletableFuture<ByteBuf> pending = new CompletableFuture<>();
        entries.add(pending);
        return pending;
    }

    /** Writes the finished head of the queue; flushes once for everything written in this turn of the event loop. */
    void drain() {
        boolean wrote = false;
        while (!entries.isEmpty() && entries.peek().isDone()) {
            ByteBuf bytes = entries.poll().join();
            if (ctx.channel().isActive()) {
                ctx.write(bytes);
                wrote = true;
            } else {
                bytes.release();
            }
        }
        if (wrote && !flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                ctx.flush();
            });
        }
    }

    /** The connection is gone: whatever is or will be ready is released. */
    void discard() {
        entries.forEach(pending -> pending.thenAccept(ByteBuf::release));
        entries.clear();
    }
}
