package org.mailseal.crypto.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Date;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPCompressedDataGenerator;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.operator.bc.BcPGPDataEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;

/**
 * OpenPGP messages that mailseal itself would never write, built packet by packet with Bouncy Castle: no integrity
 * protection, compression inside compression, decompression bombs. Everything streams, so a 1 GiB bomb never
 * exists in memory uncompressed.
 */
public final class CraftedPgp {
    private static final SecureRandom RANDOM = new SecureRandom();

    private CraftedPgp() {}

    /** Writes the packets that go inside the encrypted data packet. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException, PGPException;
    }

    /**
     * An ASCII-armored message to one key.
     *
     * @param integrityProtected false for a Symmetrically Encrypted Data packet (tag 9, no MDC), which RFC 9580
     *                           §5.7 says must not be decrypted any more
     */
    public static byte[] encrypt(PGPPublicKey recipient, boolean integrityProtected, Content content)
            throws IOException, PGPException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ArmoredOutputStream armor = ArmoredOutputStream.builder().clearHeaders().build(buffer)) {
            PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(
                    new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                            .setWithIntegrityPacket(integrityProtected)
                            .setSecureRandom(RANDOM));
            generator.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(recipient));
            try (OutputStream encrypted = generator.open(armor, new byte[1 << 16])) {
                content.writeTo(encrypted);
            }
        }
        return buffer.toByteArray();
    }

    /**
     * An ASCII-armored message in GnuPG's AEAD encrypted data packet (tag 20, OCB, the LibrePGP / rfc4880bis "v5"
     * form that GnuPG 2.3+ writes and 2.2 cannot), which mailseal must read but never writes.
     */
    public static byte[] encryptOcbPacket(PGPPublicKey recipient, Content content) throws IOException, PGPException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ArmoredOutputStream armor = ArmoredOutputStream.builder().clearHeaders().build(buffer)) {
            BcPGPDataEncryptorBuilder builder = new BcPGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256);
            builder.setWithAEAD(org.bouncycastle.bcpg.AEADAlgorithmTags.OCB, 6);
            builder.setUseV5AEAD();
            builder.setSecureRandom(RANDOM);
            PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(builder);
            generator.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(recipient));
            try (OutputStream encrypted = generator.open(armor, new byte[1 << 16])) {
                content.writeTo(encrypted);
            }
        }
        return buffer.toByteArray();
    }

    /** A literal data packet holding the bytes. */
    public static Content literal(byte[] data) {
        return out -> {
            try (OutputStream literal = new PGPLiteralDataGenerator()
                    .open(out, PGPLiteralData.BINARY, "", data.length, new Date())) {
                literal.write(data);
            }
        };
    }

    /** A literal data packet of {@code count} zero octets, written in chunks (partial body lengths). */
    public static Content zeros(long count) {
        return out -> {
            byte[] chunk = new byte[1 << 16];
            try (OutputStream literal = new PGPLiteralDataGenerator()
                    .open(out, PGPLiteralData.BINARY, "", new Date(), new byte[1 << 16])) {
                for (long left = count; left > 0; left -= chunk.length) {
                    literal.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
            }
        };
    }

    /** A compressed data packet (ZIP, RFC 1951 deflate) around the content. */
    public static Content zip(Content inner) {
        return out -> {
            PGPCompressedDataGenerator generator = new PGPCompressedDataGenerator(CompressionAlgorithmTags.ZIP);
            try (OutputStream compressed = generator.open(out, new byte[1 << 16])) {
                inner.writeTo(compressed);
            }
        };
    }
}
