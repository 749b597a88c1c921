package org.mailseal.server.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;

/** What a test's log appender caught, read safely while event-loop threads may still be appending. */
public final class Logs {
    private Logs() {}

    /** The formatted messages so far: a copy taken under the appender's own lock, under which it appends. */
    public static List<String> lines(ListAppender<ILoggingEvent> log) {
        synchronized (log) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
