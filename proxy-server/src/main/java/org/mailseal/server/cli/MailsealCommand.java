package org.mailseal.server.cli;

import java.io.PrintWriter;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.LimitExceededException;
import org.mailseal.crypto.NoUsableKeyException;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.keys.KeyUnlockException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mailseal} command line. */
@Command(name = "mailseal", mixinStandardHelpOptions = true, version = "mailseal 0.1.0",
        description = "Encrypting SMTP/POP3/IMAP proxy: OpenPGP (PGP/MIME) and S/MIME for unmodified mail clients.",
        subcommands = {KeysCommand.class, RekeyCommand.class, EncryptCommand.class, DecryptCommand.class, RunCommand.class, DemoCommand.class, BenchCommand.class,
            ConfigCommand.class, SyncCommand.class,
            CommandLine.HelpCommand.class})
public final class MailsealCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code, for tests. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** With a factory that makes the commands: tests give commands fakes this way. */
    static CommandLine commandLine(CommandLine.IFactory factory) {
        CommandLine commandLine = new CommandLine(new MailsealCommand(), factory);
        commandLine.setExecutionExceptionHandler(MailsealCommand::handle);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("mailseal: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        return commandLine;
    }

    /** One place maps failures to a one-line reason and an exit code; user errors never show a stack trace. */
    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        int code;
        String message;
        if (e instanceof UserError userError) {
            code = userError.exitCode();
            message = userError.getMessage();
        } else if (e instanceof NoUsableKeyException) {
            code = ExitCodes.NO_USABLE_KEY;
            message = e.getMessage();
        } else if (e instanceof DecryptionFailedException || e instanceof NotEncryptedException
                || e instanceof KeyUnlockException) {
            code = ExitCodes.DECRYPTION_FAILED;
            message = e.getMessage();
        } else if (e instanceof IllegalArgumentException || e instanceof LimitExceededException) {
            code = ExitCodes.USAGE;
            message = e.getMessage();
        } else {
            code = ExitCodes.ERROR;
            message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        err.println("mailseal: " + message);
        err.flush();
        return code;
    }
}
