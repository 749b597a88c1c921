package org.mailseal.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.testing.TestKeys;

/** S/MIME certificates listed in an imported CRL are revoked: shown so, never encrypted to. */
class SmimeRevocationTest {
    @TempDir
    Path dir;

    private static byte[] crl(X509Certificate certificate, PrivateKey issuerKey) throws Exception {
        Date now = new Date();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(
                X500Name.getInstance(certificate.getIssuerX500Principal().getEncoded()), now);
        builder.setNextUpdate(new Date(now.getTime() + 86_400_000L));
        builder.addCRLEntry(certificate.getSerialNumber(), now, CRLReason.keyCompromise);
        var signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey);
        return new JcaX509CRLConverter().getCRL(builder.build(signer)).getEncoded();
    }

    @Test
    void aCertificateInASignedCrlIsRevoked() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        TestKeys.generate(home, "bob@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
        TestKeys.generate(home, "carol@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
        UnlockedKey.Smime bob = (UnlockedKey.Smime) TestKeys.unlock(home, "bob@example.org").get(0);
        assertThat(home.encryptionKeys("bob@example.org")).hasSize(1);

        List<KeyInfo> affected = home.importKeys(crl(bob.certificate(), bob.privateKey()), null);

        assertThat(affected).singleElement().satisfies(info -> assertThat(info.status()).isEqualTo("revoked"));
        assertThat(home.encryptionKeys("bob@example.org")).isEmpty();
        assertThat(home.encryptionKeys("carol@example.org")).hasSize(1);
        assertThat(home.list()).filteredOn(info -> info.addresses().contains("bob@example.org"))
                .singleElement().satisfies(info -> assertThat(info.status()).isEqualTo("revoked"));
    }

    @Test
    void aCrlNotSignedByTheIssuerWeHoldIsIgnored() throws Exception {
        FileKeyHome home = TestKeys.home(dir);
        TestKeys.generate(home, "bob@example.org", Format.SMIME, KeyAlgorithm.RSA3072);
        UnlockedKey.Smime bob = (UnlockedKey.Smime) TestKeys.unlock(home, "bob@example.org").get(0);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair forger = generator.generateKeyPair();

        home.importKeys(crl(bob.certificate(), forger.getPrivate()), null);

        assertThat(home.encryptionKeys("bob@example.org")).hasSize(1);
    }
}
