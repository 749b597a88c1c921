package org.mailseal.smtp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/** Message content with a trace field (RFC 5321 §4.4 Received) in front; closing closes the content. */
final class TracedContent implements MessageContent {
    private final byte[] trace;
    private final MessageContent content;

    TracedContent(byte[] trace, MessageContent content) {
        this.trace = trace;
        this.content = content;
    }

    @Override
    public long size() {
        return trace.length + content.size();
    }

    @Override
    public InputStream open() throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(trace), content.open());
    }

    @Override
    public void close() {
        content.close();
    }
}
