package org.mailseal.crypto;

/**
 * Bounds on everything the crypto core reads. Bouncy Castle itself caps neither decompressed size nor
 * compression nesting, so these are enforced by wrapping its streams.
 *
 * @param maxMessageBytes       largest message accepted, encrypted or plain (default 64 MiB)
 * @param maxHeaderBytes        largest header section of a message or MIME part (default 256 KiB)
 * @param maxMimeDepth          deepest nesting of multiparts and message/rfc822 parts (default 50)
 * @param maxMimeParts          most MIME entities in one message (default 10,000)
 * @param maxDecompressedBytes  most bytes that decompression may produce (default 64 MiB)
 * @param maxCompressionNesting most compressed packets inside one another (default 1, what GnuPG writes)
 * @param memoryBufferBytes     plaintext kept in memory before spilling to an encrypted temp file (default 16 MiB)
 */
public record CryptoLimits(
        long maxMessageBytes,
        int maxHeaderBytes,
        int maxMimeDepth,
        int maxMimeParts,
        long maxDecompressedBytes,
        int maxCompressionNesting,
        int memoryBufferBytes) {

    public static final CryptoLimits DEFAULTS =
            new CryptoLimits(64L << 20, 256 << 10, 50, 10_000, 64L << 20, 1, 16 << 20);

    public CryptoLimits {
        requirePositive(maxMessageBytes, "maxMessageBytes");
        requirePositive(maxHeaderBytes, "maxHeaderBytes");
        requirePositive(maxMimeDepth, "maxMimeDepth");
        requirePositive(maxMimeParts, "maxMimeParts");
        requirePositive(maxDecompressedBytes, "maxDecompressedBytes");
        if (maxCompressionNesting < 0) {
            throw new IllegalArgumentException("maxCompressionNesting must be >= 0, was " + maxCompressionNesting);
        }
        requirePositive(memoryBufferBytes, "memoryBufferBytes");
    }

    private static void requirePositive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }

    public CryptoLimits withMaxMessageBytes(long value) {
        return new CryptoLimits(value, maxHeaderBytes, maxMimeDepth, maxMimeParts, maxDecompressedBytes,
                maxCompressionNesting, memoryBufferBytes);
    }

    public CryptoLimits withMaxDecompressedBytes(long value) {
        return new CryptoLimits(maxMessageBytes, maxHeaderBytes, maxMimeDepth, maxMimeParts, value,
                maxCompressionNesting, memoryBufferBytes);
    }

    public CryptoLimits withMemoryBufferBytes(int value) {
        return new CryptoLimits(maxMessageBytes, maxHeaderBytes, maxMimeDepth, maxMimeParts, maxDecompressedBytes,
                maxCompressionNesting, value);
    }
}
