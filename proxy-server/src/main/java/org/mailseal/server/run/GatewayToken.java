package org.mailseal.server.run;

import java.io.Console;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import javax.security.auth.login.LoginException;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.server.config.MailsealConfig;

/**
 * The gateway's S/MIME key in a PKCS#11 token (smart card, HSM, SoftHSM), through the JDK's SunPKCS11 provider.
 * Opened once, at start-up: the PIN is read from its source, logs in, and is cleared. The private key never leaves
 * the token; what mailseal holds is a handle, and the RSA decryption of each message's content key runs in the
 * token ({@link UnlockedKey.Smime#keyProvider()}). Closing logs out.
 */
public final class GatewayToken implements AutoCloseable {
    private static final String WHERE = "keys.gateway.pkcs11";
    private final AuthProvider provider;
    private final UnlockedKey.Smime key;

    private GatewayToken(AuthProvider provider, UnlockedKey.Smime key) {
        this.provider = provider;
        this.key = key;
    }

    /** Logs in to the configured token and finds the key; every failure says which setting to look at. */
    public static GatewayToken open(MailsealConfig.TokenKey config) throws IOException {
        AuthProvider provider = provider(config);
        char[] pin = readPin(config.pin());
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS11", provider);
            store.load(null, pin); // C_Login with the PIN
        } catch (IOException e) {
            Throwable cause = e.getCause() instanceof LoginException login && login.getCause() != null
                    ? login.getCause() : e.getCause();
            throw new IOException(WHERE + ": cannot log in to the token (wrong PIN?): "
                    + (cause != null ? cause.getMessage() : e.getMessage()), e);
        } catch (GeneralSecurityException e) {
            throw new IOException(WHERE + ": cannot read the token: " + e.getMessage(), e);
        } finally {
            Arrays.fill(pin, '\0'); // the token holds the login now; the PIN is no longer needed
        }
        try {
            return new GatewayToken(provider, key(store, config.keyLabel(), provider));
        } catch (IOException | RuntimeException e) {
            logout(provider);
            throw e;
        }
    }

    /** The key, to decrypt mail addressed to the gateway with. */
    public UnlockedKey.Smime key() {
        return key;
    }

    @Override
    public void close() {
        key.close();
        logout(provider);
    }

    private static void logout(AuthProvider provider) {
        try {
            provider.logout();
        } catch (LoginException e) {
            // Nothing more to do: the session ends with the process.
        }
    }

    /**
     * A SunPKCS11 provider for the configured library and slot (JDK 9+: {@code configure("--" + inline config)}).
     * The configuration names only the library and slot: the PIN is never part of it. The provider is not
     * registered globally; only the gateway key's operations use it.
     */
    private static AuthProvider provider(MailsealConfig.TokenKey config) throws IOException {
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new IOException(WHERE + ": this Java runtime has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        String slot = config.slot() != null ? "slot = " + config.slot() : "slotListIndex = " + config.slotIndex();
        // ConfigLoader allows no quote, backslash or control character in the library path.
        String inline = "--name = mailseal-gateway\nlibrary = \"" + config.library() + "\"\n" + slot + "\n";
        try {
            return (AuthProvider) base.configure(inline);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IOException(WHERE + ": cannot use the token in " + slot.replace(" = ", " ") + " of "
                    + config.library() + ": " + root.getMessage(), e);
        }
    }

    private static UnlockedKey.Smime key(KeyStore store, String label, Provider provider) throws IOException {
        try {
            if (!store.isKeyEntry(label)) {
                List<String> labels = new ArrayList<>();
                for (String alias : Collections.list(store.aliases())) {
                    if (store.isKeyEntry(alias)) {
                        labels.add("'" + alias + "'");
                    }
                }
                throw new IOException(WHERE + ".keyLabel: the token has no private key with a certificate labelled '"
                        + label + "' (it has " + (labels.isEmpty() ? "none" : String.join(", ", labels))
                        + "; the certificate must share the key's CKA_ID)");
            }
            PrivateKey privateKey = (PrivateKey) store.getKey(label, null);
            Certificate certificate = store.getCertificate(label);
            if (!(certificate instanceof X509Certificate x509) || !"RSA".equals(privateKey.getAlgorithm())) {
                throw new IOException(WHERE + ".keyLabel: '" + label + "' is not an RSA key with an X.509 certificate"
                        + " (S/MIME key transport needs RSA)");
            }
            if (privateKey instanceof RSAPrivateKey) {
                // SunPKCS11 gives the key's value only when the token hands it out (CKA_SENSITIVE false): then the
                // token protects nothing that a passphrase-protected file in the key home would not.
                throw new IOException(WHERE + ".keyLabel: the token reveals the private value of '" + label
                        + "' (CKA_SENSITIVE is false); make the key sensitive, or keep it in the key home instead");
            }
            return new UnlockedKey.Smime(x509, privateKey, provider);
        } catch (GeneralSecurityException e) {
            throw new IOException(WHERE + ".keyLabel: cannot read '" + label + "' from the token: " + e.getMessage(), e);
        }
    }

    /** The PIN from its source, once. The caller clears it. */
    private static char[] readPin(MailsealConfig.PinSource source) throws IOException {
        char[] pin;
        if (source instanceof MailsealConfig.PinSource.File file) {
            pin = firstLine(Files.readAllBytes(file.path()));
        } else if (source instanceof MailsealConfig.PinSource.Environment environment) {
            String value = System.getenv(environment.variable());
            pin = value == null ? new char[0] : value.toCharArray();
        } else {
            Console console = System.console();
            if (console == null) {
                throw new IOException(WHERE + ".pinPrompt: no terminal to ask for the PIN on (use pinFile or pinEnv)");
            }
            pin = console.readPassword("PIN of the token that holds the gateway key: ");
            pin = pin == null ? new char[0] : pin;
        }
        if (pin.length == 0) {
            throw new IOException(WHERE + ": the PIN is empty");
        }
        return pin;
    }

    /** The first line of a file's UTF-8 text, without its line end; the file's bytes are cleared. */
    private static char[] firstLine(byte[] content) throws IOException {
        CharBuffer chars = null;
        try {
            chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content));
            int end = 0;
            while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
                end++;
            }
            char[] line = new char[end];
            chars.get(line);
            return line;
        } catch (CharacterCodingException e) {
            throw new IOException(WHERE + ".pinFile: not UTF-8 text");
        } finally {
            Arrays.fill(content, (byte) 0);
            if (chars != null) {
                Arrays.fill(chars.array(), '\0');
            }
        }
    }
}
