package org.mailseal.server.cli;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.NoUsableKeyException;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.mime.AddressLists;
import org.mailseal.crypto.mime.HeaderSection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "encrypt", mixinStandardHelpOptions = true,
        description = {"Encrypt a message (standard input) to its recipients and write it to standard output.",
            "All recipients share one ciphertext; they must have keys of one format (PGP/MIME preferred)."})
final class EncryptCommand implements Callable<Integer> {
    @Mixin
    KeyHomeOption home;

    @Option(names = "--to", paramLabel = "ADDRESS", description = "Recipient (repeatable; default: the To and Cc addresses).")
    List<String> to = new ArrayList<>();

    @Option(names = "--type", paramLabel = "pgp|smime", description = "Use only keys of this format.")
    String type;

    @Option(names = "--subject-placeholder", paramLabel = "TEXT", defaultValue = "...",
            description = "Subject shown outside the ciphertext (default: ${DEFAULT-VALUE}).")
    String placeholder;

    @Option(names = "--no-header-protection", description = "Leave the header outside (RFC 9788 header protection off).")
    boolean noHeaderProtection;

    @Override
    public Integer call() throws Exception {
        CryptoLimits limits = CryptoLimits.DEFAULTS;
        byte[] message = new BoundedInputStream(System.in, limits.maxMessageBytes(), "message").readAllBytes();
        List<String> recipients = to;
        if (recipients.isEmpty()) {
            HeaderSection header = HeaderSection.read(
                    new CanonicalLineInputStream(new ByteArrayInputStream(message)), limits.maxHeaderBytes());
            recipients = AddressLists.addresses(header, "To", "Cc");
            if (recipients.isEmpty()) {
                throw new UserError(ExitCodes.USAGE, "no recipients: the message has no To or Cc; use --to");
            }
        }
        List<RecipientKey> keys = chooseKeys(home.open(), recipients, type == null ? null : FormatOption.parse(type));
        EncryptionOptions options = new EncryptionOptions(noHeaderProtection ? null : placeholder);
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        new MessageEncryptor(limits, options).encrypt(new ByteArrayInputStream(message), out, keys);
        out.flush();
        return ExitCodes.OK;
    }

    /** One key per recipient, all of one format: the requested one, else PGP/MIME if all have it, else S/MIME. */
    static List<RecipientKey> chooseKeys(FileKeyHome home, List<String> recipients, Format only) throws NoUsableKeyException {
        Map<String, List<RecipientKey>> found = new LinkedHashMap<>();
        for (String recipient : recipients) {
            found.put(recipient, home.encryptionKeys(recipient).stream()
                    .filter(k -> only == null || k.format() == only).toList());
        }
        List<String> keyless = found.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
        if (!keyless.isEmpty()) {
            throw new NoUsableKeyException(keyless);
        }
        for (Format format : List.of(Format.PGP_MIME, Format.SMIME)) {
            List<RecipientKey> chosen = new ArrayList<>();
            for (List<RecipientKey> keys : found.values()) {
                keys.stream().filter(k -> k.format() == format).findFirst().ifPresent(chosen::add);
            }
            if (chosen.size() == found.size()) {
                return chosen;
            }
        }
        throw new UserError(ExitCodes.NO_USABLE_KEY,
                "recipients have no key format in common; encrypt separately with --to and --type");
    }
}
