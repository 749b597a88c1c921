package org.mailseal.smtp;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What the proxy does with a message: the policy and crypto live behind this interface, in proxy-server. Stages
 * may complete on any thread (key lookups run off the event loop).
 */
public interface MessageFilter {

    /**
     * Checked at RCPT time, before the upstream sees the recipient: null to go on, or the reply that refuses the
     * recipient (for example 550 5.7.1 when policy requires encryption and the recipient has no usable key).
     */
    CompletionStage<SmtpReply> checkRecipient(Envelope envelope, String recipient);

    /**
     * Turns the received message into the copies to deliver (one shared ciphertext, one per Bcc recipient, a
     * plaintext copy for keyless recipients...), or fails the stage with {@link Refusal} to answer the DATA with
     * its reply. The received content stays owned by the session.
     */
    CompletionStage<List<OutboundCopy>> process(Envelope envelope, MessageContent received);

    /** The transaction as the client built it. */
    record Envelope(String authenticatedUser, String reversePath, java.util.Map<String, String> mailParameters,
                    List<OutboundCopy.Recipient> recipients) {
        public Envelope {
            mailParameters = java.util.Map.copyOf(mailParameters);
            recipients = List.copyOf(recipients);
        }
    }

    /** A filter's way to refuse a message with a reply of its choice. */
    final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient SmtpReply reply;

        public Refusal(SmtpReply reply) {
            super(reply.toString(), null, false, false);
            this.reply = reply;
        }

        public SmtpReply reply() {
            return reply;
        }
    }
}
