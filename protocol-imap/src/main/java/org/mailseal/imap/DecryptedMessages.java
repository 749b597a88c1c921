package org.mailseal.imap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.mailseal.imap.message.MessageView;

/**
 * Decrypted messages, parsed, in memory only (DESIGN.md invariant 7), shared by a user's sessions: keyed by user,
 * mailbox, UIDVALIDITY and UID, which together name one immutable message (RFC 3501 §2.3.1.1), so an entry never
 * goes stale; bounded by the bytes it holds.
 */
public final class DecryptedMessages {
    /** What names one stored message. */
    public record Key(String user, String mailbox, long uidValidity, long uid) {}

    private final Cache<Key, MessageView> cache;

    public DecryptedMessages(long maxBytes, Duration idleExpiry) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key key, MessageView view) -> view.size() + 512)
                .expireAfterAccess(idleExpiry)
                .build();
    }

    public MessageView get(Key key) {
        return cache.getIfPresent(key);
    }

    public void put(Key key, MessageView view) {
        cache.put(key, view);
    }

    public long estimatedSize() {
        return cache.estimatedSize();
    }
}
