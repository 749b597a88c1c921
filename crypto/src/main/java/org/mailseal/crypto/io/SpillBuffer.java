package org.mailseal.crypto.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.CipherInputStream;
import javax.crypto.CipherOutputStream;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A write-once byte buffer that holds plaintext in memory up to a bound and, above it, in a temp file encrypted
 * with a throwaway AES key that lives only in this object. Decrypted mail never reaches the disk in the clear
 * (DESIGN.md, invariant 7). Write, then {@link #openStream()} any number of times, then {@link #close()}.
 */
public final class SpillBuffer extends OutputStream {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int memoryLimit;
    private final Path spillDirectory;
    private byte[] memory;
    private long size;
    private Path file;
    private OutputStream fileOut;
    private SecretKeySpec fileKey;
    private byte[] fileIv;
    private boolean sealed;
    private boolean closed;

    public SpillBuffer(int memoryLimit) {
        this(memoryLimit, Path.of(System.getProperty("java.io.tmpdir")));
    }

    public SpillBuffer(int memoryLimit, Path spillDirectory) {
        this(memoryLimit, spillDirectory, 1024);
    }

    /** @param expectedSize a hint for the first allocation, so that large content is not copied while it grows */
    public SpillBuffer(int memoryLimit, Path spillDirectory, long expectedSize) {
        if (memoryLimit <= 0) {
            throw new IllegalArgumentException("memoryLimit must be > 0, was " + memoryLimit);
        }
        this.memoryLimit = memoryLimit;
        this.spillDirectory = spillDirectory;
        this.memory = new byte[(int) Math.max(16, Math.min(memoryLimit, expectedSize))];
    }

    public static SpillBuffer withExpectedSize(int memoryLimit, long expectedSize) {
        return new SpillBuffer(memoryLimit, Path.of(System.getProperty("java.io.tmpdir")), expectedSize);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (sealed || closed) {
            throw new IOException("buffer is no longer writable");
        }
        if (fileOut == null && size + len > memoryLimit) {
            spillToFile();
        }
        if (fileOut != null) {
            fileOut.write(b, off, len);
        } else {
            if (size + len > memory.length) {
                memory = Arrays.copyOf(memory, (int) Math.min(memoryLimit, Math.max(size + len, memory.length * 2L)));
            }
            System.arraycopy(b, off, memory, (int) size, len);
        }
        size += len;
    }

    private void spillToFile() throws IOException {
        byte[] key = new byte[32];
        fileIv = new byte[16];
        RANDOM.nextBytes(key);
        RANDOM.nextBytes(fileIv);
        fileKey = new SecretKeySpec(key, "AES");
        Arrays.fill(key, (byte) 0);
        // No deleteOnExit: in a server its list would only grow. close() deletes the file, and one left behind by
        // a crash is unreadable, since its key lived only in this object.
        file = Files.createTempFile(spillDirectory, "mailseal-", ".spill",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        fileOut = new CipherOutputStream(Files.newOutputStream(file), cipher(Cipher.ENCRYPT_MODE));
        fileOut.write(memory, 0, (int) size);
        memory = null;
    }

    private Cipher cipher(int mode) throws IOException {
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(mode, fileKey, new IvParameterSpec(fileIv));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up the spill cipher", e);
        }
    }

    /** Ends writing. Further writes fail; reading may begin. */
    @Override
    public void flush() throws IOException {
        if (fileOut != null) {
            fileOut.flush();
        }
    }

    private void seal() throws IOException {
        if (!sealed) {
            sealed = true;
            if (fileOut != null) {
                fileOut.close();
            }
        }
    }

    /** Number of bytes written. */
    public long size() {
        return size;
    }

    /** A fresh stream over the whole content; writing ends with the first call. */
    public InputStream openStream() throws IOException {
        if (closed) {
            throw new IOException("buffer is closed");
        }
        seal();
        if (file == null) {
            return new ByteArrayInputStream(memory, 0, (int) size);
        }
        return new CipherInputStream(Files.newInputStream(file), cipher(Cipher.DECRYPT_MODE));
    }

    /**
     * The in-memory content (the first {@link #size()} bytes of the returned array), or null when it spilled to
     * the file. Not a copy: callers read it and must not change it.
     */
    public byte[] memoryContent() throws IOException {
        seal();
        return file == null ? memory : null;
    }

    /** Drops the content: the memory is cleared, the temp file deleted, the key forgotten. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (memory != null) {
            Arrays.fill(memory, (byte) 0);
            memory = null;
        }
        try {
            if (fileOut != null && !sealed) {
                fileOut.close();
            }
        } finally {
            fileKey = null;
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }
}
