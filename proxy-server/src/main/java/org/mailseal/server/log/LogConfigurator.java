package org.mailseal.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * mailseal's default logging, set up in code: warnings and above on standard error (the command line writes its
 * results to standard output), and the session lines of a running server ({@code mailseal.*} loggers) at INFO.
 * Logback finds it through {@code META-INF/services}; reading an XML configuration instead cost a short command such as {@code sync --once} about a tenth of a second of start-up. A configuration
 * of one's own still works: with {@code -Dlogback.configurationFile=FILE} this steps aside.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    /** The loggers of client sessions ({@code mailseal.session}, {@code mailseal.smtp} ...), at INFO by default. */
    static final String SESSIONS = "mailseal";
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        // One line per session as it opens and closes (and per SMTP transaction): what an operator reads first.
        context.getLogger(SESSIONS).setLevel(Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
