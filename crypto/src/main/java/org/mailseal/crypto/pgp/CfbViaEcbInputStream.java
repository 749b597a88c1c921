package org.mailseal.crypto.pgp;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-CFB decryption with a zero IV (the bulk cipher of SEIPD v1, RFC 9580 §5.13.1), computed as
 * {@code P[i] = C[i] XOR AES(C[i-1])}. All the AES inputs are ciphertext blocks already at hand, so one ECB call
 * per chunk encrypts them together. The JDK runs multi-block ECB with vector AES instructions where the CPU has
 * them, many times faster than its block-at-a-time CFB; elsewhere it is no slower.
 */
final class CfbViaEcbInputStream extends InputStream {
    private static final int BLOCK = 16;
    /** Enough blocks per call for the vector code; small enough that a message's buffers cost little to allocate. */
    private static final int CHUNK = 1 << 13;

    private final InputStream in;
    private final Cipher ecb;
    /** The previous ciphertext block, then the ciphertext of the current chunk. */
    private final byte[] ciphertext = new byte[BLOCK + CHUNK];
    /** Key stream, then (XORed in place) plaintext of the current chunk. */
    private final byte[] plaintext = new byte[CHUNK];
    private int position;
    private int limit;
    private boolean eof;

    CfbViaEcbInputStream(InputStream in, byte[] key) throws GeneralSecurityException {
        this.in = in;
        this.ecb = Cipher.getInstance("AES/ECB/NoPadding");
        this.ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
    }

    @Override
    public int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return plaintext[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position == limit && !fill()) {
            return -1;
        }
        int n = Math.min(len, limit - position);
        System.arraycopy(plaintext, position, b, off, n);
        position += n;
        return n;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.readNBytes(ciphertext, BLOCK, CHUNK);
        if (n < CHUNK) {
            eof = true;
        }
        if (n == 0) {
            return false;
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        try {
            // Key stream block i is AES of ciphertext block i-1: the array from offset 0 is exactly that sequence.
            ecb.update(ciphertext, 0, blocks * BLOCK, plaintext, 0);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES failed", e);
        }
        for (int i = 0; i < n; i++) {
            plaintext[i] ^= ciphertext[BLOCK + i];
        }
        System.arraycopy(ciphertext, n, ciphertext, 0, BLOCK); // the last ciphertext block feeds the next chunk
        position = 0;
        limit = n;
        return true;
    }

    @Override
    public int available() {
        return limit - position;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
