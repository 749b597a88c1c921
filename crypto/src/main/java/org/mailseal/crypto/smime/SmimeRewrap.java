package org.mailseal.crypto.smime;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyTransRecipientId;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientId;
import org.bouncycastle.operator.GenericKey;
import org.bouncycastle.operator.OperatorException;
import org.bouncycastle.operator.jcajce.JceAsymmetricKeyUnwrapper;
import org.mailseal.crypto.BouncyCastleProviders;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.RewrapException;
import org.mailseal.crypto.RewrapResult;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.MimeParts;

/**
 * Re-wraps S/MIME EnvelopedData or AuthEnvelopedData: the content-encryption key is recovered with an old key
 * and wrapped for the new certificates; the EncryptedContentInfo (and, for AuthEnvelopedData, the
 * authenticated attributes and MAC) are carried over unchanged.
 */
public final class SmimeRewrap {
    private SmimeRewrap() {}

    /**
     * The DER encoding of the EncryptedContentInfo (with, for AuthEnvelopedData, the MAC): what re-wrapping keeps
     * byte for byte.
     */
    public static byte[] bulk(MimeParts mime, MimeParts.Entity outer) throws IOException, RewrapException {
        ContentInfo info = contentInfo(mime, outer);
        if (CMSObjectIdentifiers.authEnvelopedData.equals(info.getContentType())) {
            AuthEnvelopedData data = AuthEnvelopedData.getInstance(info.getContent());
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            b.write(data.getAuthEncryptedContentInfo().getEncoded("DER"));
            b.write(data.getMac().getEncoded("DER"));
            return b.toByteArray();
        }
        if (CMSObjectIdentifiers.envelopedData.equals(info.getContentType())) {
            return EnvelopedData.getInstance(info.getContent()).getEncryptedContentInfo().getEncoded("DER");
        }
        throw new RewrapException("not enveloped data");
    }

    public static RewrapResult rewrap(MimeParts mime, MimeParts.Entity outer, Collection<? extends UnlockedKey> oldKeys,
                                      List<RecipientKey.Smime> recipients, OutputStream out)
            throws IOException, RewrapException {
        ContentInfo info = contentInfo(mime, outer);
        boolean authenticated = CMSObjectIdentifiers.authEnvelopedData.equals(info.getContentType());
        if (!authenticated && !CMSObjectIdentifiers.envelopedData.equals(info.getContentType())) {
            throw new RewrapException("not enveloped data");
        }
        ASN1Set recipientInfos;
        EncryptedContentInfo encryptedContent;
        if (authenticated) {
            AuthEnvelopedData data = AuthEnvelopedData.getInstance(info.getContent());
            recipientInfos = data.getRecipientInfos();
            encryptedContent = data.getAuthEncryptedContentInfo();
        } else {
            EnvelopedData data = EnvelopedData.getInstance(info.getContent());
            recipientInfos = data.getRecipientInfos();
            encryptedContent = data.getEncryptedContentInfo();
        }

        Opened opened = openContentKey(recipientInfos, encryptedContent, oldKeys);
        ASN1EncodableVector fresh = new ASN1EncodableVector();
        List<String> fingerprints = new ArrayList<>();
        try {
            for (RecipientKey.Smime recipient : recipients) {
                fresh.add(SmimeWriter.recipientInfo(recipient).generate(opened.contentKey()));
                fingerprints.add(recipient.fingerprint());
            }
        } catch (CMSException | java.security.cert.CertificateEncodingException e) {
            throw new RewrapException("cannot wrap the content key for the new certificates", e);
        }
        ASN1Set newInfos = new DERSet(fresh);

        ASN1Encodable content;
        if (authenticated) {
            AuthEnvelopedData data = AuthEnvelopedData.getInstance(info.getContent());
            content = new AuthEnvelopedData(data.getOriginatorInfo(), newInfos, data.getAuthEncryptedContentInfo(),
                    data.getAuthAttrs(), data.getMac(), data.getUnauthAttrs());
        } else {
            EnvelopedData data = EnvelopedData.getInstance(info.getContent());
            content = new EnvelopedData(data.getOriginatorInfo(), newInfos, data.getEncryptedContentInfo(),
                    data.getUnprotectedAttrs());
        }
        byte[] rewrapped = new ContentInfo(info.getContentType(), content).getEncoded(ASN1Encoding.BER);

        out.write(mime.data(), outer.start(), outer.bodyStart() - outer.start());
        out.write(Base64.getMimeEncoder().encode(rewrapped));
        out.write('\r');
        out.write('\n');
        return new RewrapResult(Format.SMIME, opened.fingerprint(), fingerprints);
    }

    /** Whether a KeyTransRecipientInfo of the message names one of the certificates. */
    public static boolean isEncryptedTo(MimeParts mime, MimeParts.Entity outer, List<RecipientKey.Smime> keys)
            throws IOException, RewrapException {
        ContentInfo info = contentInfo(mime, outer);
        ASN1Set recipientInfos;
        if (CMSObjectIdentifiers.authEnvelopedData.equals(info.getContentType())) {
            recipientInfos = AuthEnvelopedData.getInstance(info.getContent()).getRecipientInfos();
        } else if (CMSObjectIdentifiers.envelopedData.equals(info.getContentType())) {
            recipientInfos = EnvelopedData.getInstance(info.getContent()).getRecipientInfos();
        } else {
            throw new RewrapException("not enveloped data");
        }
        for (RecipientKey.Smime key : keys) {
            KeyTransRecipientId wanted = new JceKeyTransRecipientId(key.certificate());
            for (ASN1Encodable element : recipientInfos) {
                if (RecipientInfo.getInstance(element).getInfo() instanceof KeyTransRecipientInfo keyTrans
                        && matches(keyTrans, wanted)) {
                    return true;
                }
            }
        }
        return false;
    }

    private record Opened(GenericKey contentKey, String fingerprint) {}

    private static Opened openContentKey(ASN1Set recipientInfos, EncryptedContentInfo encryptedContent,
                                         Collection<? extends UnlockedKey> oldKeys) throws RewrapException {
        for (UnlockedKey unlocked : oldKeys) {
            if (!(unlocked instanceof UnlockedKey.Smime smime)) {
                continue;
            }
            KeyTransRecipientId wanted = new JceKeyTransRecipientId(smime.certificate());
            for (ASN1Encodable element : recipientInfos) {
                RecipientInfo recipientInfo = RecipientInfo.getInstance(element);
                if (!(recipientInfo.getInfo() instanceof KeyTransRecipientInfo keyTrans) || !matches(keyTrans, wanted)) {
                    continue;
                }
                try {
                    GenericKey key = new JceAsymmetricKeyUnwrapper(keyTrans.getKeyEncryptionAlgorithm(), smime.privateKey())
                            .setProvider(smime.keyProvider() != null ? smime.keyProvider() : BouncyCastleProviders.INSTANCE)
                            .setMustProduceEncodableUnwrappedKey(true)
                            .generateUnwrappedKey(encryptedContent.getContentEncryptionAlgorithm(),
                                    keyTrans.getEncryptedKey().getOctets());
                    return new Opened(key, smime.fingerprint());
                } catch (OperatorException e) {
                    throw new RewrapException("cannot unwrap the content key", e);
                }
            }
        }
        throw RewrapException.noKeyOpens(null);
    }

    private static boolean matches(KeyTransRecipientInfo info, KeyTransRecipientId wanted) {
        var rid = info.getRecipientIdentifier();
        if (rid.isTagged()) {
            byte[] keyId = org.bouncycastle.asn1.ASN1OctetString.getInstance(
                    (org.bouncycastle.asn1.ASN1TaggedObject) rid.getId(), false).getOctets();
            return java.util.Arrays.equals(keyId, wanted.getSubjectKeyIdentifier());
        }
        var issuerSerial = org.bouncycastle.asn1.cms.IssuerAndSerialNumber.getInstance(rid.getId());
        return issuerSerial.getName().equals(wanted.getIssuer())
                && issuerSerial.getSerialNumber().getValue().equals(wanted.getSerialNumber());
    }

    /** The message's CMS ContentInfo (RFC 5652 §3). */
    private static ContentInfo contentInfo(MimeParts mime, MimeParts.Entity outer) throws IOException, RewrapException {
        byte[] der = SmimeReader.derBody(mime, outer);
        try {
            return ContentInfo.getInstance(ASN1Primitive.fromByteArray(der));
        } catch (IllegalArgumentException e) {
            throw new RewrapException("not a CMS ContentInfo", e);
        }
    }
}
