package org.mailseal.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An upstream that records what it was asked and answers as told: the session tests' MTA. */
final class FakeUpstream implements Upstream, Upstream.Connector {
    final List<String> calls = new ArrayList<>();
    final List<String> delivered = new ArrayList<>();
    final Map<String, SmtpReply> rcptReplies = new HashMap<>();
    Set<String> extensions = Set.of("PIPELINING", "8BITMIME", "SMTPUTF8", "DSN");
    SmtpReply authReply = SmtpReply.of(235, "2.7.0", "ok");
    SmtpReply connectFailure;
    /** Replies for delivered recipients; by default 250. */
    final Map<String, SmtpReply> deliveryReplies = new HashMap<>();
    boolean deliveryFails;
    boolean closed;

    @Override
    public CompletionStage<Connected> connect(io.netty.channel.Channel client) {
        calls.add("CONNECT");
        return CompletableFuture.completedFuture(connectFailure != null ? new Connected(null, connectFailure)
                : new Connected(this, null));
    }

    @Override
    public Set<String> extensions() {
        return extensions;
    }

    @Override
    public CompletionStage<SmtpReply> authenticate(String user, String password) {
        calls.add("AUTH " + user + " " + password);
        return CompletableFuture.completedFuture(authReply);
    }

    @Override
    public CompletionStage<SmtpReply> mail(String reversePath, Map<String, String> parameters) {
        calls.add("MAIL <" + reversePath + ">" + (parameters.isEmpty() ? "" : " " + new java.util.TreeMap<>(parameters)));
        return CompletableFuture.completedFuture(SmtpReply.of(250, "2.1.0", "Ok"));
    }

    @Override
    public CompletionStage<SmtpReply> rcpt(String forwardPath, Map<String, String> parameters) {
        calls.add("RCPT <" + forwardPath + ">");
        return CompletableFuture.completedFuture(rcptReplies.getOrDefault(forwardPath, SmtpReply.of(250, "2.1.5", "Ok")));
    }

    @Override
    public CompletionStage<SmtpReply> rset() {
        calls.add("RSET");
        return CompletableFuture.completedFuture(SmtpReply.of(250, "2.0.0", "Ok"));
    }

    @Override
    public CompletionStage<List<List<SmtpReply>>> deliver(List<OutboundCopy> copies) {
        if (deliveryFails) {
            calls.add("DELIVER (connection lost)");
            return CompletableFuture.failedFuture(new IOException("upstream went away"));
        }
        List<List<SmtpReply>> replies = new ArrayList<>();
        for (OutboundCopy copy : copies) {
            List<String> to = copy.recipients().stream().map(OutboundCopy.Recipient::address).toList();
            calls.add("DELIVER <" + copy.reversePath() + "> " + to);
            try (InputStream in = copy.content().open()) {
                delivered.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            replies.add(to.stream().map(r -> deliveryReplies.getOrDefault(r, SmtpReply.of(250, "2.0.0", "queued"))).toList());
        }
        return CompletableFuture.completedFuture(replies);
    }

    @Override
    public void close() {
        closed = true;
    }
}
