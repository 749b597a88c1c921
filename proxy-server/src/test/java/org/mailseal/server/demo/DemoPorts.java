package org.mailseal.server.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A port base for a demo under test: every port the demo uses (B+25 ... B+1143) lies below Linux's ephemeral range
 * (32768 and up), where an outgoing connection could hold it, and is free right now.
 */
public final class DemoPorts {
    private static final int[] OFFSETS = {25, 143, 587, 1025, 1110, 1143};

    private DemoPorts() {}

    public static int freeBase() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(11) * 1_000 + ThreadLocalRandom.current().nextInt(20) * 10;
            if (allFree(base)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port base for the demo");
    }

    private static boolean allFree(int base) {
        for (int offset : OFFSETS) {
            try (ServerSocket probe = new ServerSocket(base + offset, 1, InetAddress.getLoopbackAddress())) {
                probe.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
