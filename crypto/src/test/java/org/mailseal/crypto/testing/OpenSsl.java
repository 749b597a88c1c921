package org.mailseal.crypto.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Drives the {@code openssl} command line in a throwaway working directory, with a timeout per command. */
public final class OpenSsl implements AutoCloseable {
    private final Path dir;
    private final ExternalCommand.Tool openssl;

    private OpenSsl(Path dir, Path scratch) {
        this.dir = dir;
        this.openssl = new ExternalCommand.Tool(scratch, Map.of("LC_ALL", "C"), List.of("openssl"));
    }

    public static OpenSsl start() throws IOException {
        Path dir = Files.createTempDirectory("openssl");
        return new OpenSsl(dir, Files.createDirectory(dir.resolve("io")));
    }

    /** A key and self-signed certificate that openssl made, as PEM files. */
    public record KeyPair(Path key, Path certificate) {}

    public Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    /** Runs {@code openssl ARGS...} in the working directory. */
    public ExternalCommand.Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        return openssl.run(stdin, args);
    }

    /** As {@link #run}, failing unless openssl exited with 0. */
    public ExternalCommand.Result runOk(byte[] stdin, String... args) throws IOException, InterruptedException {
        return openssl.runOk(stdin, args);
    }

    /**
     * An RSA key and a self-signed certificate for an address (subjectAltName and emailAddress), made by
     * {@code openssl req -x509}. Like most certificates in the wild it has no S/MIME capabilities extension.
     */
    public KeyPair selfSigned(String address, int rsaBits) throws IOException, InterruptedException {
        Path key = dir.resolve(address + ".key.pem");
        Path certificate = dir.resolve(address + ".crt.pem");
        runOk(null, "req", "-x509", "-newkey", "rsa:" + rsaBits, "-nodes", "-days", "30",
                "-keyout", key.toString(), "-out", certificate.toString(),
                "-subj", "/CN=" + address + "/emailAddress=" + address,
                "-addext", "subjectAltName=email:" + address,
                "-addext", "keyUsage=digitalSignature,keyEncipherment",
                "-addext", "extendedKeyUsage=emailProtection");
        return new KeyPair(key, certificate);
    }

    /** {@code openssl pkcs12 -export}: key and certificate in a PKCS#12 file under a passphrase. */
    public byte[] pkcs12(KeyPair pair, String passphrase) throws IOException, InterruptedException {
        return runOk(null, "pkcs12", "-export", "-inkey", pair.key().toString(), "-in", pair.certificate().toString(),
                "-passout", "pass:" + passphrase).stdout();
    }

    /**
     * Reads a PKCS#12 file with {@code openssl pkcs12 -nodes} and writes its key and certificate as PEM files.
     */
    public KeyPair fromPkcs12(String name, byte[] pkcs12, String passphrase) throws IOException, InterruptedException {
        Path p12 = write(name + ".p12", pkcs12);
        Path key = dir.resolve(name + ".key.pem");
        Path certificate = dir.resolve(name + ".crt.pem");
        runOk(null, "pkcs12", "-in", p12.toString(), "-passin", "pass:" + passphrase, "-nodes", "-nocerts",
                "-out", key.toString());
        runOk(null, "pkcs12", "-in", p12.toString(), "-passin", "pass:" + passphrase, "-nokeys", "-clcerts",
                "-out", certificate.toString());
        return new KeyPair(key, certificate);
    }

    /** {@code openssl cms -decrypt} of an S/MIME message file; the result carries the exit code and plaintext. */
    public ExternalCommand.Result cmsDecrypt(byte[] message, KeyPair recipient) throws IOException, InterruptedException {
        Path in = write("in.eml", message);
        return run(null, "cms", "-decrypt", "-in", in.toString(), "-recip", recipient.certificate().toString(),
                "-inkey", recipient.key().toString());
    }

    /**
     * {@code openssl cms -encrypt}: the content (a MIME entity) as an S/MIME message with the given cipher option,
     * such as {@code -aes-256-gcm} (AuthEnvelopedData) or {@code -aes256} (CBC EnvelopedData).
     */
    public byte[] cmsEncrypt(byte[] content, String cipherOption, Path recipientCertificate)
            throws IOException, InterruptedException {
        Path in = write("content.eml", content);
        return runOk(null, "cms", "-encrypt", cipherOption, "-in", in.toString(),
                recipientCertificate.toString()).stdout();
    }

    /**
     * As {@link #cmsEncrypt}, with further options for the recipient, such as {@code -keyopt rsa_padding_mode:oaep}
     * (RSAES-OAEP key transport) or {@code -keyid} (RecipientInfo names the subject key identifier).
     */
    public byte[] cmsEncrypt(byte[] content, String cipherOption, Path recipientCertificate, String... recipientOptions)
            throws IOException, InterruptedException {
        Path in = write("content.eml", content);
        List<String> args = new ArrayList<>(List.of("cms", "-encrypt", cipherOption, "-in", in.toString()));
        args.addAll(List.of("-recip", recipientCertificate.toString()));
        args.addAll(List.of(recipientOptions)); // -keyopt applies to the -recip before it
        return runOk(null, args.toArray(String[]::new)).stdout();
    }

    /** {@code openssl cms -cmsout -print}: the CMS structure of an S/MIME message, for checking its algorithms. */
    public String cmsPrint(byte[] message) throws IOException, InterruptedException {
        Path in = write("print.eml", message);
        return runOk(null, "cms", "-cmsout", "-print", "-in", in.toString()).stdoutText();
    }

    @Override
    public void close() throws IOException {
        ExternalCommand.deleteTree(dir);
    }
}
