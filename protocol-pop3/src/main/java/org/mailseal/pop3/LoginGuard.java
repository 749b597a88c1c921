package org.mailseal.pop3;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Optional;

/**
 * Authentication throttling, asked by the session around every login attempt it would relay: may these credentials
 * go to the server, and how long does a failure wait before it is answered? Called on the session's event loop; an
 * implementation must not block. Every failure gets one reply, whatever the server said, so that an unknown user
 * and a wrong password look the same. The user is named as the session knows it: for IMAP and POP3, the address
 * a login unlocks (a bare login with the listener's loginDomain appended), so both spellings count as one.
 */
public interface LoginGuard {
    /** No throttling: every attempt goes to the server and a failure is answered at once. */
    LoginGuard NONE = new LoginGuard() {
        @Override
        public Optional<Duration> refusal(Channel client, String user) {
            return Optional.empty();
        }

        @Override
        public Duration failed(Channel client, String user) {
            return Duration.ZERO;
        }

        @Override
        public void succeeded(Channel client, String user) {}
    };

    /** Before an attempt: empty to relay it; else answer it as failed after this delay, without asking the server. */
    Optional<Duration> refusal(Channel client, String user);

    /** After the server refused an attempt: how long to wait before saying so. */
    Duration failed(Channel client, String user);

    /** After the server accepted an attempt. */
    void succeeded(Channel client, String user);
}
