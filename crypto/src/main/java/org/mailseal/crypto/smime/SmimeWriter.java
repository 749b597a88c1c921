package org.mailseal.crypto.smime;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.mailseal.crypto.EncryptionResult;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.mime.HeaderField;

/**
 * Writes S/MIME enveloped data (RFC 8551 §3.3): AES-256-CBC EnvelopedData by default, AES-256-GCM
 * AuthEnvelopedData (RFC 5083/5084) when every recipient's capabilities list GCM. The content cipher is the
 * JDK's AES.
 */
public final class SmimeWriter {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SmimeWriter() {}

    public static EncryptionResult write(List<HeaderField> outer, InputStream inner, OutputStream out,
                                         List<RecipientKey.Smime> recipients) throws IOException {
        boolean gcm = recipients.stream().allMatch(RecipientKey.Smime::authEnveloped);
        String smimeType = gcm ? "authEnveloped-data" : "enveloped-data";
        MessageEncryptor.writeOuterHeader(out, outer,
                "Content-Type: application/pkcs7-mime; smime-type=" + smimeType + "; name=\"smime.p7m\"",
                "Content-Transfer-Encoding: base64",
                "Content-Disposition: attachment; filename=\"smime.p7m\"",
                "Content-Description: S/MIME Encrypted Message");
        OutputStream base64 = Base64.getMimeEncoder().wrap(new KeepOpen(out));
        try {
            encryptDer(inner, base64, recipients, gcm);
        } catch (CMSException | CertificateEncodingException e) {
            throw new IOException("S/MIME encryption failed", e);
        }
        base64.close();
        out.write('\r');
        out.write('\n');
        List<String> fingerprints = recipients.stream().map(RecipientKey::fingerprint).toList();
        return new EncryptionResult(Format.SMIME, fingerprints, gcm ? Integrity.AEAD : Integrity.NONE);
    }

    /** Writes the CMS ContentInfo (BER) for the content. */
    public static void encryptDer(InputStream content, OutputStream out, List<RecipientKey.Smime> recipients, boolean gcm)
            throws IOException, CMSException, CertificateEncodingException {
        if (gcm) {
            CMSAuthEnvelopedDataStreamGenerator generator = new CMSAuthEnvelopedDataStreamGenerator();
            for (RecipientKey.Smime recipient : recipients) {
                generator.addRecipientInfoGenerator(recipientInfo(recipient));
            }
            OutputAEADEncryptor encryptor = (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_GCM)
                    .setSecureRandom(RANDOM).build();
            try (OutputStream cms = generator.open(out, encryptor)) {
                content.transferTo(cms);
            }
        } else {
            CMSEnvelopedDataStreamGenerator generator = new CMSEnvelopedDataStreamGenerator();
            for (RecipientKey.Smime recipient : recipients) {
                generator.addRecipientInfoGenerator(recipientInfo(recipient));
            }
            try (OutputStream cms = generator.open(out,
                    new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC).setSecureRandom(RANDOM).build())) {
                content.transferTo(cms);
            }
        }
    }

    static RecipientInfoGenerator recipientInfo(RecipientKey.Smime recipient) throws CertificateEncodingException {
        return new JceKeyTransRecipientInfoGenerator(recipient.certificate());
    }

    /** Lets the base64 encoder be closed (to flush its last line) without closing the message stream. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
