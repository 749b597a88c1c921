package org.mailseal.crypto.pgp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import org.bouncycastle.bcpg.AEADAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.mailseal.crypto.BouncyCastleProviders;
import org.mailseal.crypto.EncryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.mime.HeaderField;

/**
 * Writes PGP/MIME (RFC 3156 §4): {@code multipart/encrypted} with a version part and the ASCII-armored message.
 * SEIPD v1 with MDC and AES-256 unless every recipient advertises SEIPD v2, then SEIPD v2 with OCB. No
 * compression. The bulk cipher for SEIPD v1 is the JDK's AES (about 4x Bouncy Castle's pure-Java AES here).
 */
public final class PgpMimeWriter {
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * SEIPD v2 chunks of 2^18 octets = 256 KiB: chunk size octet 12, since the size is 2^(octet+6) (RFC 9580
     * §5.13.2). Bouncy Castle's setWithAEAD takes the log2 of the size in octets and writes it minus 6.
     */
    private static final int AEAD_CHUNK_SIZE_LOG2 = 18;
    /** Partial-length packet chunks (RFC 9580 §4.2.1.4): large enough to stream fast, small enough that a 4 KiB
     *  message does not allocate 128 KiB of buffers. */
    private static final int PARTIAL_PACKET_BUFFER = 1 << 14;

    private PgpMimeWriter() {}

    public static EncryptionResult write(List<HeaderField> outer, InputStream inner, OutputStream out,
                                         List<RecipientKey.Pgp> recipients, String boundary, long sizeHint)
            throws IOException {
        boolean aead = recipients.stream().allMatch(RecipientKey.Pgp::seipdV2);
        MessageEncryptor.writeOuterHeader(out, outer,
                "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";",
                " boundary=\"" + boundary + "\"");
        ascii(out, "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: application/pgp-encrypted\r\n"
                + "Content-Description: PGP/MIME version identification\r\n"
                + "\r\n"
                + "Version: 1\r\n"
                + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                + "Content-Description: OpenPGP encrypted message\r\n"
                + "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
                + "\r\n");
        try {
            ArmorOutputStream armor = new ArmorOutputStream(out);
            encryptBinary(inner, armor, recipients, aead, partialBuffer(sizeHint));
            armor.close();
        } catch (PGPException e) {
            throw new IOException("OpenPGP encryption failed", e);
        }
        ascii(out, "\r\n--" + boundary + "--\r\n");
        List<String> fingerprints = recipients.stream().map(RecipientKey::fingerprint).toList();
        return new EncryptionResult(Format.PGP_MIME, fingerprints, aead ? Integrity.AEAD : Integrity.MDC);
    }

    /** Encrypts a stream to OpenPGP packets (PKESKs, then SEIPD holding one literal data packet). */
    public static void encryptBinary(InputStream plaintext, OutputStream out, List<RecipientKey.Pgp> recipients,
                                     boolean aead) throws IOException, PGPException {
        encryptBinary(plaintext, out, recipients, aead, PARTIAL_PACKET_BUFFER);
    }

    /** The partial-packet chunk for a message of about this size: a power of two from 512 (RFC 9580) to 16 KiB. */
    static int partialBuffer(long sizeHint) {
        if (sizeHint < 0) {
            return PARTIAL_PACKET_BUFFER;
        }
        int size = 512;
        while (size < PARTIAL_PACKET_BUFFER && size < sizeHint + 1024) {
            size <<= 1;
        }
        return size;
    }

    static void encryptBinary(InputStream plaintext, OutputStream out, List<RecipientKey.Pgp> recipients,
                              boolean aead, int bufferSize) throws IOException, PGPException {
        JcePGPDataEncryptorBuilder encryptor = new JcePGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256)
                .setSecureRandom(RANDOM);
        if (aead) {
            // OCB is what every SEIPD v2 reader must have (RFC 9580 §9.6); the JDK has no OCB, Bouncy Castle has.
            encryptor.setProvider(BouncyCastleProviders.INSTANCE)
                    .setWithAEAD(AEADAlgorithmTags.OCB, AEAD_CHUNK_SIZE_LOG2)
                    .setUseV6AEAD();
        } else {
            encryptor.setWithIntegrityPacket(true);
        }
        PGPEncryptedDataGenerator generator = new PGPEncryptedDataGenerator(encryptor);
        for (RecipientKey.Pgp recipient : recipients) {
            generator.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(newestKey(recipient)));
        }
        try (OutputStream encrypted = generator.open(out, new byte[bufferSize])) {
            PGPLiteralDataGenerator literal = new PGPLiteralDataGenerator();
            try (OutputStream literalOut = literal.open(encrypted, PGPLiteralData.BINARY, "", new Date(),
                    new byte[bufferSize])) {
                plaintext.transferTo(literalOut);
            }
        }
    }

    /** The most recently created usable encryption subkey, as GnuPG chooses. */
    static PGPPublicKey newestKey(RecipientKey.Pgp recipient) {
        return new ArrayList<>(recipient.encryptionKeys()).stream()
                .max(Comparator.comparing(PGPPublicKey::getCreationTime))
                .orElseThrow();
    }

    private static void ascii(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
    }
}
