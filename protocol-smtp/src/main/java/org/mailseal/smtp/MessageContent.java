package org.mailseal.smtp;

import java.io.IOException;
import java.io.InputStream;

/** A message's bytes, readable as often as needed (each copy, each retry) until released. */
public interface MessageContent extends AutoCloseable {
    long size();

    InputStream open() throws IOException;

    /** Drops the content (memory cleared, temp file deleted). */
    @Override
    void close();
}
