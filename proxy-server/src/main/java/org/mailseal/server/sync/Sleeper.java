package org.mailseal.server.sync;

import java.time.Duration;

/** Waits; injected so that tests of the watch loop and of reconnection never sleep. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());
}
