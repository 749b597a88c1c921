package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.mailseal.imap.message.MessageView;

/**
 * One client FETCH whose items depend on content (notes/imap.md 3-5). The upstream is asked for the client's items
 * plus UID and the top-level Content-Type field. A plaintext message's response goes back as it came. An encrypted message's response
 * becomes a pending entry in the output queue, answered from the decrypted message: at once when it is cached or
 * when the client asked for the whole message anyway (the ciphertext is in the response); otherwise the ciphertexts
 * are fetched by UID with BODY.PEEK[] on the same connection once the upstream has finished the client's command,
 * before its completion goes to the client, so no proxy command ever interleaves with the client's.
 */
final class ContentFetch {
    /** What a content fetch needs of its session; all of it used on the session's event loop. */
    interface Session {
        EventExecutor executor();

        ByteBufAllocator alloc();

        /** Puts a finished response at the end of the output queue. */
        void emit(ByteBuf response);

        /** Puts a pending response at the end of the output queue; it goes out once completed and drained. */
        CompletableFuture<ByteBuf> reserve();

        /** Writes what is finished at the head of the output queue. */
        void drain();

        MailboxCrypto.MailboxKeys keys();

        DecryptedMessages cache();

        /** The cache key of a message of the selected mailbox. */
        DecryptedMessages.Key key(long uid);

        ImapUpstream upstream();

        /** Whether the cache holds any message of the selected mailbox. */
        boolean anyCached();

        /** Ciphertext bytes went into decryption (+) or came out (-): the session reads the upstream less meanwhile. */
        void decrypting(long bytes);
    }

    /** Ciphertexts fetched per command of the proxy's own: bounds the memory they hold at once. */
    private static final int BATCH = 256;
    private static final int MAX_DEPTH = 50;
    private static final int MAX_PARTS = 10_000;

    private final FetchRequest request;
    private final Session session;
    private final Map<Long, Missing> missing = new LinkedHashMap<>();

    /**
     * A response waiting for its message's stored octets (the ciphertext to decrypt, or, in a whole-message fetch,
     * the plaintext message itself); arrived once they came.
     */
    private static final class Missing {
        final FetchResponse response;
        final CompletableFuture<ByteBuf> answer;
        final boolean encrypted;
        boolean arrived;

        Missing(FetchResponse response, CompletableFuture<ByteBuf> answer, boolean encrypted) {
            this.response = response;
            this.answer = answer;
            this.encrypted = encrypted;
        }
    }

    /**
     * A fetch of whole messages with BODY.PEEK[] (what sync clients do) runs in two steps once the cache holds
     * messages of the mailbox: the server is first asked for everything but the messages, then by UID for the
     * messages not in the cache, so a cached encrypted message costs no transfer of its ciphertext. While it holds
     * none (the first sync), a first step would only cost the server work and a round trip, so the messages are
     * asked for at once. (A non-PEEK whole message always goes in one step: the server must see it to set \Seen.)
     */
    private final boolean wholeLater;

    ContentFetch(FetchRequest request, Session session) {
        this.request = request;
        this.session = session;
        this.wholeLater = request.items().stream().anyMatch(item -> item.wholeMessage() && item.name().equals("BODY.PEEK"))
                && request.items().stream().noneMatch(item -> item.name().equals("RFC822")
                        || (item.wholeMessage() && item.name().equals("BODY")))
                && session.anyCached();
    }

    FetchRequest request() {
        return request;
    }

    /** The command for the upstream. */
    String upstreamCommand(String tag) {
        return FetchRewriter.upstreamCommand(tag, request, wholeLater);
    }

    /** One FETCH response of this command (it owns the response's buffer from here). */
    void response(FetchResponse response) {
        FetchResponse.Item structure = response.item("BODYSTRUCTURE");
        FetchResponse.Item uidItem = response.item("UID");
        MailboxCrypto.MailboxKeys keys = session.keys();
        FetchResponse.Item header = response.item(FetchRewriter.VERDICT_NAME);
        FetchResponse.Item whole = header != null ? header : response.item("BODY[]");
        boolean encrypted = structure != null ? EncryptedStructure.isEncrypted(response.value(structure))
                : whole != null && EncryptedStructure.isEncryptedMessage(response.value(whole));
        if (wholeLater && uidItem != null && (keys == null || !encrypted)) {
            later(response, uidItem, false); // a plaintext message: its octets come in the second step
            return;
        }
        if (uidItem == null || keys == null || !encrypted) {
            emitAndRelease(response, FetchRewriter.passThrough(response, request, session.alloc()));
            return;
        }
        long uid;
        try {
            uid = Long.parseLong(response.value(uidItem).toString(StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            emitAndRelease(response, FetchRewriter.passThrough(response, request, session.alloc()));
            return;
        }
        MessageView cached = session.cache().get(session.key(uid));
        if (cached != null) {
            emitAndRelease(response, answer(response, cached));
            return;
        }
        FetchResponse.Item body = response.item("BODY[]");
        if (body != null) {
            decrypt(response, response.stringValue(body), uid, session.reserve());
        } else {
            later(response, uidItem, true);
        }
    }

    /** Waits for the message's octets, fetched by UID once the server has finished the client's command. */
    private void later(FetchResponse response, FetchResponse.Item uidItem, boolean encrypted) {
        long uid = Long.parseLong(response.value(uidItem).toString(StandardCharsets.US_ASCII).trim());
        CompletableFuture<ByteBuf> answer = session.reserve();
        Missing first = missing.putIfAbsent(uid, new Missing(response, answer, encrypted));
        if (first != null) {
            // The same message twice in one response set: answered alike, once the first is.
            first.answer.whenComplete((ignored, error) -> session.executor().execute(() -> {
                MessageView view = session.cache().get(session.key(uid));
                if (view == null && !first.encrypted) {
                    answer.complete(FetchRewriter.passThrough(response, request, session.alloc()));
                    response.unit().release();
                    session.drain();
                } else {
                    finish(response, view, answer);
                }
            }));
        }
    }

    /** An encrypted message's answer from its plaintext. */
    private ByteBuf answer(FetchResponse response, MessageView view) {
        return FetchRewriter.decrypted(response, request, view, session.alloc(), wholeLater);
    }

    /**
     * The upstream finished the client's command: fetches the ciphertexts still missing, in batches. The result is
     * what arrived meanwhile that was not the proxy's (unsolicited updates), to go to the client after the
     * command's completion.
     */
    CompletionStage<List<ByteBuf>> finish() {
        List<ByteBuf> unsolicited = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        List<Long> uids = new ArrayList<>(missing.keySet());
        for (int from = 0; from < uids.size(); from += BATCH) {
            String set = uidSet(uids.subList(from, Math.min(uids.size(), from + BATCH)));
            chain = chain.thenCompose(ignored -> session.upstream()
                    .internal("UID FETCH " + set + " (UID BODY.PEEK[])", unit -> ciphertext(unit, unsolicited))
                    .thenAccept(ByteBuf::release));
        }
        return chain.handleAsync((ignored, error) -> {
            // Whatever did not come (expunged meanwhile, connection trouble) goes to the client as the server gave it;
            // what came is being decrypted and completes its own answer (the command's completion waits behind it).
            for (Missing left : missing.values()) {
                if (!left.arrived) {
                    finish(left.response, null, left.answer);
                }
            }
            return unsolicited;
        }, session.executor());
    }

    private void ciphertext(ByteBuf unit, List<ByteBuf> unsolicited) {
        Ciphertext fetched = Ciphertext.of(unit);
        if (fetched == null) {
            unsolicited.add(unit); // not the proxy's: an update for the client
            return;
        }
        Missing waiting = missing.get(fetched.uid());
        if (waiting == null || waiting.arrived) {
            unit.release();
            return;
        }
        waiting.arrived = true;
        if (!waiting.encrypted) { // a plaintext message of a whole-message fetch: its octets as stored
            storedAnswer(waiting, fetched);
            return;
        }
        if (!wholeLater) {
            byte[] ciphertext = fetched.bytes();
            unit.release();
            decrypt(waiting.response, ciphertext, fetched.uid(), waiting.answer);
            return;
        }
        open(session, fetched.uid(), fetched.bytes()).thenAccept(view -> {
            if (view != null) {
                unit.release();
                finish(waiting.response, view, waiting.answer);
            } else {
                storedAnswer(waiting, fetched); // it does not open: the client gets it as stored
            }
        });
    }

    /** The first step's items with the whole message as the server stores it, where the client asked for it. */
    private void storedAnswer(Missing waiting, Ciphertext second) {
        try {
            waiting.answer.complete(FetchRewriter.passThroughWith(waiting.response, request, second.response(),
                    session.alloc()));
        } finally {
            waiting.response.unit().release();
            second.response().unit().release();
        }
        session.drain();
    }

    /** A UID set (RFC 3501 §9 sequence-set) of these UIDs, runs of consecutive ones as ranges: "3:9,12". */
    static String uidSet(List<Long> uids) {
        StringBuilder set = new StringBuilder();
        for (int i = 0; i < uids.size(); i++) {
            int run = i;
            while (run + 1 < uids.size() && uids.get(run + 1) == uids.get(run) + 1) {
                run++;
            }
            set.append(set.length() == 0 ? "" : ",").append(uids.get(i));
            if (run > i) {
                set.append(':').append(uids.get(run));
            }
            i = run;
        }
        return set.toString();
    }

    /** A message's UID and stored octets, from a FETCH response of (UID BODY.PEEK[]). */
    record Ciphertext(long uid, FetchResponse response, FetchResponse.Item body) {
        /** The stored octets, copied out of the response (which stays the caller's). */
        byte[] bytes() {
            return response.stringValue(body);
        }

        /** Null when the unit is no such response (it is not released either way). */
        static Ciphertext of(ByteBuf unit) {
            FetchResponse response;
            try {
                response = FetchResponse.parse(unit);
            } catch (ImapSyntaxException e) {
                return null;
            }
            FetchResponse.Item uid = response == null ? null : response.item("UID");
            FetchResponse.Item body = response == null ? null : response.item("BODY[]");
            if (uid == null || body == null) {
                return null;
            }
            return new Ciphertext(Long.parseLong(response.value(uid).toString(StandardCharsets.US_ASCII).trim()),
                    response, body);
        }
    }

    /**
     * Decrypts off the event loop, parses the plaintext and caches it; completes on the event loop with the view,
     * or with null when the message does not open.
     */
    static CompletableFuture<MessageView> open(Session session, long uid, byte[] ciphertext) {
        if (ciphertext == null) {
            return CompletableFuture.completedFuture(null);
        }
        DecryptedMessages.Key key = session.key(uid);
        session.decrypting(ciphertext.length);
        return session.keys().decrypt(ciphertext)
                .thenApply(plaintext -> plaintext.map(bytes -> MessageView.parse(bytes, MAX_DEPTH, MAX_PARTS)))
                .handleAsync((view, error) -> {
                    session.decrypting(-ciphertext.length);
                    MessageView opened = error == null && view.isPresent() ? view.get() : null;
                    if (opened != null) {
                        session.cache().put(key, opened);
                    }
                    return opened;
                }, session.executor()).toCompletableFuture();
    }

    /** Decrypts and completes the answer; a message that does not open goes as stored. */
    private void decrypt(FetchResponse response, byte[] ciphertext, long uid, CompletableFuture<ByteBuf> answer) {
        open(session, uid, ciphertext).thenAccept(view -> finish(response, view, answer));
    }

    private void finish(FetchResponse response, MessageView view, CompletableFuture<ByteBuf> answer) {
        if (answer.isDone()) {
            return; // answered already; its response was released then
        }
        try {
            answer.complete(view != null ? answer(response, view)
                    // Not ours to open (no key, damaged): the client gets it as stored, and may hold the key.
                    : FetchRewriter.passThrough(response, request, session.alloc()));
        } finally {
            response.unit().release();
        }
        session.drain();
    }

    private void emitAndRelease(FetchResponse response, ByteBuf answer) {
        response.unit().release();
        session.emit(answer);
    }
}
