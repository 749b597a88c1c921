package org.mailseal.pop3;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Decrypted messages and their sizes, in memory only (DESIGN.md invariant 7), shared by a user's sessions, keyed by
 * user and unique-id listing (RFC 1939 §7 UIDL: "the unique-id of a message ... never changes"). Messages are bounded
 * by the bytes they hold; sizes, a few bytes each, are kept longer, so that LIST can report the size a client will
 * receive for every message it has read before.
 */
public final class DecryptedMaildrop {
    /** What names one stored message. */
    public record Key(String user, String uidl) {}

    private final Cache<Key, byte[]> messages;
    private final Cache<Key, Integer> sizes;

    public DecryptedMaildrop(long maxBytes, Duration idleExpiry, long maxSizes, Duration sizeExpiry) {
        this.messages = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key key, byte[] message) -> message.length + 256)
                .expireAfterAccess(idleExpiry)
                .build();
        this.sizes = Caffeine.newBuilder().maximumSize(maxSizes).expireAfterAccess(sizeExpiry).build();
    }

    public byte[] message(Key key) {
        return messages.getIfPresent(key);
    }

    /** The plaintext size of a message decrypted before, or -1. */
    public int size(Key key) {
        Integer size = sizes.getIfPresent(key);
        return size == null ? -1 : size;
    }

    /** Caches a decrypted message (the array becomes the cache's; it is never changed) and its size. */
    public void put(Key key, byte[] plaintext) {
        messages.put(key, plaintext);
        sizes.put(key, plaintext.length);
    }

    public long estimatedMessages() {
        return messages.estimatedSize();
    }

    /** About how many bytes the cached messages weigh (their length plus a little per entry), for monitoring. */
    public long estimatedBytes() {
        return messages.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0)).orElse(0L);
    }
}
