package org.mailseal.server.net;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Open connections per client address, shared by every listener of a server, with a ceiling per address. An address
 * is counted from the moment its connection is admitted until it closes; an address with no connection left holds
 * no entry, so the map cannot grow with the number of clients seen.
 */
public final class ConnectionLimits {
    private final int perAddress;
    private final ConcurrentMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    /** @param perAddress the most connections one address may hold open at once (at least 1) */
    public ConnectionLimits(int perAddress) {
        if (perAddress < 1) {
            throw new IllegalArgumentException("perAddress must be at least 1: " + perAddress);
        }
        this.perAddress = perAddress;
    }

    /** Counts a new connection from {@code address}; false (and nothing counted) when it already holds the most. */
    public boolean tryAcquire(InetAddress address) {
        boolean[] admitted = {false};
        open.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= perAddress) {
                return count;
            }
            admitted[0] = true;
            return now + 1;
        });
        return admitted[0];
    }

    /** Forgets one connection of {@code address}, which {@link #tryAcquire} admitted. */
    public void release(InetAddress address) {
        open.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
    }

    /** Connections {@code address} holds open now. */
    public int open(InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    public int perAddress() {
        return perAddress;
    }
}
