package org.mailseal.imap.sync;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailseal.imap.testing.ScriptedImapServer;

/**
 * A {@link ScriptedImapServer} script that answers each command, to show how the sync store takes what real
 * servers rarely send: huge or malformed VANISHED, odd LIST entries, unsolicited FETCH, a wrong APPENDUID. It reads
 * literals, answering "+" to synchronising ones.
 */
final class CommandScript implements ScriptedImapServer.Script {
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)(\\+?)}\r\n$");

    /** An answer that makes the server send nothing at all for the command. */
    static final String SILENCE = "(silence)";

    private final Function<String, String> answers;

    /**
     * @param answers from a command without its tag (literals inline) to the untagged lines to send (each ending in
     *                CRLF), then "$TAG OK" unless the answer has a "$TAG " line of its own; for IDLE the answer is
     *                sent, then the server waits for DONE before its tagged OK
     */
    CommandScript(Function<String, String> answers) {
        this.answers = answers;
    }

    @Override
    public void run(ScriptedImapServer.Lines in, OutputStream out) throws IOException {
        ScriptedImapServer.write(out, "* OK scripted\r\n");
        while (true) {
            String command = command(in, out);
            if (command == null) {
                return;
            }
            int space = command.indexOf(' ');
            String tag = command.substring(0, space);
            String text = command.substring(space + 1, command.length() - 2);
            String answer = answers.apply(text).replace("$TAG", tag);
            if (answer.equals(SILENCE)) {
                continue; // a server that stalls: the client must give up by its own timeout
            }
            ScriptedImapServer.write(out, answer);
            if (text.equalsIgnoreCase("IDLE")) {
                in.line(); // DONE
            }
            if (!answer.contains(tag + " ")) {
                ScriptedImapServer.write(out, tag + " OK done\r\n");
            }
            if (text.equalsIgnoreCase("LOGOUT")) {
                return;
            }
        }
    }

    /** A whole command with its literals, or null at the end of the stream. */
    private static String command(ScriptedImapServer.Lines in, OutputStream out) throws IOException {
        StringBuilder command = new StringBuilder();
        while (true) {
            String line = in.line();
            if (line.isEmpty()) {
                return null;
            }
            command.append(line);
            Matcher m = LITERAL.matcher(line);
            if (!m.find()) {
                return command.toString();
            }
            if (m.group(2).isEmpty()) {
                ScriptedImapServer.write(out, "+ go on\r\n");
            }
            command.append(in.octets(Integer.parseInt(m.group(1))));
        }
    }
}
