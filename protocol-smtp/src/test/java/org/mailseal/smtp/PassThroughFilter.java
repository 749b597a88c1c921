package org.mailseal.smtp;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Accepts every recipient and passes the message on unchanged: the crypto filter lives in proxy-server. */
final class PassThroughFilter implements MessageFilter {
    @Override
    public CompletionStage<SmtpReply> checkRecipient(Envelope envelope, String recipient) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<OutboundCopy>> process(Envelope envelope, MessageContent received) {
        return CompletableFuture.completedFuture(List.of(new OutboundCopy(envelope.reversePath(),
                envelope.mailParameters(), envelope.recipients(), received)));
    }
}
