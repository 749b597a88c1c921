package org.mailseal.server.keys;

import java.time.Duration;

/**
 * Settings of the Autocrypt source ({@code type: autocrypt}).
 *
 * @param maxHeaderBytes an {@code Autocrypt} header field above this size is invalid (Level 1: 10 KiB)
 * @param staleAfter     a learned key is no longer offered once the peer has mailed without an Autocrypt header
 *                       for this long after its last one (Level 1's "discourage": 35 days); a gateway has no
 *                       user to ask, so "discourage" means "do not encrypt automatically"
 * @param maxPeers       at most this many peers are remembered; headers from further new peers are ignored
 */
public record AutocryptConfig(int maxHeaderBytes, Duration staleAfter, int maxPeers) {
    public static final AutocryptConfig DEFAULTS = new AutocryptConfig(10 * 1024, Duration.ofDays(35), 100_000);

    public AutocryptConfig {
        if (maxHeaderBytes <= 0 || maxPeers <= 0) {
            throw new IllegalArgumentException("autocrypt maxHeaderBytes and maxPeers must be positive");
        }
        if (staleAfter == null || staleAfter.isNegative()) {
            throw new IllegalArgumentException("autocrypt staleAfter must not be negative, was " + staleAfter);
        }
    }
}
