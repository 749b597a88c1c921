package org.mailseal.smtp;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * One session's connection to the real MTA (or mail store, over LMTP). The SMTP session relays the client's
 * AUTH, MAIL and RCPT live, so that the upstream's verdicts are the ones the client sees, and at the end of the
 * data runs one transaction per copy of the message. Stages may complete on any thread; the session moves back to
 * its own event loop. Implementations never throw: connection trouble completes the stage with a 4xx reply.
 */
public interface Upstream {

    /** ESMTP extensions the upstream announced (upper-case keywords: SMTPUTF8, DSN, SIZE, ...). */
    Set<String> extensions();

    /** Relays a SASL PLAIN authentication with the credentials the client gave. */
    CompletionStage<SmtpReply> authenticate(String user, String password);

    CompletionStage<SmtpReply> mail(String reversePath, Map<String, String> parameters);

    CompletionStage<SmtpReply> rcpt(String forwardPath, Map<String, String> parameters);

    CompletionStage<SmtpReply> rset();

    /**
     * Delivers the copies, each as a transaction of its own (MAIL, RCPT, DATA) after resetting the one the client
     * opened. Over LMTP the replies are per recipient; over SMTP one reply covers a copy's recipients.
     *
     * @return per copy, per recipient, the upstream's final reply
     */
    CompletionStage<List<List<SmtpReply>>> deliver(List<OutboundCopy> copies);

    /** Says QUIT (when connected) and closes. */
    void close();

    /** Opens upstream connections, one per client session. */
    interface Connector {
        /**
         * Connects (and, as configured, starts TLS and says EHLO/LHLO) for the client's session, on the client
         * channel's event loop, so both sides of a session run on one thread; a failure completes with a 4xx reply.
         */
        CompletionStage<Connected> connect(io.netty.channel.Channel client);
    }

    /** The outcome of {@link Connector#connect()}: an upstream, or the reply that says why there is none. */
    record Connected(Upstream upstream, SmtpReply failure) {}
}
