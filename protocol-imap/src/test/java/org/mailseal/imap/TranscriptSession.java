package org.mailseal.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Plays a transcript's client side against one server (the upstream directly, or the proxy) on an account that is
 * already logged in, and records everything: each client line, then each response unit (a line with its literals)
 * in the order it arrived. Also checks the transcript's {@code S:} lines against the responses of their step.
 */
final class TranscriptSession {
    /** Stores a message with another connection of the same account (a delivery while the client waits). */
    interface Delivery {
        void deliver(Transcript.Message message) throws IOException;
    }

    /** How long a read may wait: the servers answer in milliseconds, and a whole run must stay within a minute. */
    static final int READ_TIMEOUT_MS = 3000;

    private final ImapTestClient client;
    private final Delivery delivery;
    private final String side;
    private final List<String> record = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    /** Tags sent whose tagged completion has not arrived yet. */
    private final Set<String> pending = new LinkedHashSet<>();
    private final ByteArrayOutputStream queued = new ByteArrayOutputStream();
    /** The last read ended at a continuation request ("+ idling"): the next line answers it and has no tag. */
    private boolean continued;

    TranscriptSession(ImapTestClient client, Delivery delivery, String side) {
        this.client = client;
        this.delivery = delivery;
        this.side = side;
    }

    /** Everything sent and received, one entry per client line or response unit. */
    List<String> record() {
        return record;
    }

    /** S: lines that did not hold, with their line numbers. */
    List<String> failures() {
        return failures;
    }

    /** Plays every step; a server that stops answering ends the session with a failure, keeping what came. */
    void run(Transcript transcript) throws IOException {
        try {
            steps(transcript);
        } catch (SocketTimeoutException e) {
            record.add("(no response for " + READ_TIMEOUT_MS + " ms)");
            failures.add(side + ": no response for " + READ_TIMEOUT_MS + " ms; still waiting for " + pending);
        }
    }

    private void steps(Transcript transcript) throws IOException {
        for (Transcript.Step step : transcript.steps()) {
            if (step instanceof Transcript.Send send) {
                send(send);
            } else if (step instanceof Transcript.Wait wait) {
                record.add("# wait: " + wait.until().pattern());
                check(wait.expects(), waitFor(wait.until()));
            } else if (step instanceof Transcript.Deliver deliver) {
                record.add("# append: " + deliver.message().mailbox() + " " + deliver.message().corpus());
                delivery.deliver(deliver.message());
            }
        }
        if (!pending.isEmpty()) {
            failures.add(side + ": the transcript ended with commands still running: " + pending);
        }
    }

    private void send(Transcript.Send send) throws IOException {
        record.add("C: " + send.shown());
        if (continued && !pending.isEmpty()) {
            continued = false; // DONE, or a SASL response: no tag of its own
        } else {
            String tag = send.shown().split(" ", 2)[0];
            pending.add(tag);
        }
        List<String> units = new ArrayList<>();
        for (Transcript.Part part : send.parts()) {
            if (part.text() != null) {
                queued.writeBytes(part.text().getBytes(StandardCharsets.UTF_8));
                continue;
            }
            queued.writeBytes(("{" + part.literal().length + "}\r\n").getBytes(StandardCharsets.US_ASCII));
            flush();
            if (!awaitContinuation(units)) {
                check(send.expects(), units); // refused before the literal (NO [TOOBIG], say)
                return;
            }
            queued.writeBytes(part.literal());
        }
        queued.writeBytes(new byte[] {'\r', '\n'});
        if (send.pipelined()) {
            return;
        }
        flush();
        readUntilDone(units);
        check(send.expects(), units);
    }

    private void flush() throws IOException {
        client.send(queued.toByteArray());
        queued.reset();
    }

    /** Reads until the server asks for the literal (true) or a command completes without asking (false). */
    private boolean awaitContinuation(List<String> units) throws IOException {
        while (true) {
            String unit = client.unit();
            if (unit.startsWith("+")) {
                return true; // not recorded: the literal's "+" is transport, and the proxy sends its own
            }
            receive(unit, units);
            if (isTagged(unit) && pending.isEmpty()) {
                return false;
            }
        }
    }

    private void readUntilDone(List<String> units) throws IOException {
        while (!pending.isEmpty()) {
            String unit = client.unit();
            receive(unit, units);
            if (unit.startsWith("+")) {
                continued = true;
                return;
            }
        }
    }

    private List<String> waitFor(Pattern until) throws IOException {
        List<String> units = new ArrayList<>();
        while (true) {
            String unit = client.unit();
            receive(unit, units);
            if (until.matcher(unit).find()) {
                return units;
            }
        }
    }

    private void receive(String unit, List<String> units) {
        record.add(unit);
        units.add(unit);
        if (isTagged(unit)) {
            pending.remove(unit.substring(0, unit.indexOf(' ')));
        }
    }

    private boolean isTagged(String unit) {
        int space = unit.indexOf(' ');
        return space > 0 && pending.contains(unit.substring(0, space));
    }

    private void check(List<Transcript.Expect> expects, List<String> units) {
        for (Transcript.Expect expect : expects) {
            boolean found;
            if (expect.regex()) {
                Pattern p = Pattern.compile(expect.text(), Pattern.DOTALL);
                found = units.stream().anyMatch(u -> p.matcher(u).find());
            } else {
                found = units.stream().anyMatch(u -> u.substring(0, u.indexOf('\n') + 1).equals(expect.text() + "\r\n"));
            }
            if (found == expect.negated()) {
                failures.add(side + ": line " + expect.lineNumber() + ": " + (expect.negated() ? "unexpected " : "missing ")
                        + (expect.regex() ? "~" : "") + expect.text() + "\n    in: " + TranscriptDiff.show(units));
            }
        }
    }
}
