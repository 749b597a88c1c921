package org.mailseal.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.imap.sync.ChannelConfig;
import org.mailseal.imap.sync.StoreConfig;

/**
 * Reads the {@code sync:} section for {@link ConfigLoader}, recording problems through it with their place
 * ({@code sync.channels[0].direction: ...}) so that one run reports them all.
 */
final class SyncConfigReader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Duration MIN_POLL = Duration.ofSeconds(10);
    private static final Duration MAX_POLL = Duration.ofDays(1);

    private final ConfigLoader loader;
    private final Path configFile;
    private final int maxMessageBytes;
    private final Path keyHome;

    SyncConfigReader(ConfigLoader loader, Path configFile, long maxMessageBytes, Path keyHome) {
        this.loader = loader;
        this.keyHome = keyHome;
        this.configFile = configFile.toAbsolutePath();
        this.maxMessageBytes = (int) Math.min(Integer.MAX_VALUE - (1 << 20), maxMessageBytes) + (1 << 20);
    }

    /** The section, or null when a problem was recorded. */
    SyncConfig read(JsonNode node) {
        String where = "sync";
        if (!node.isObject()) {
            loader.problem(where + ": expected a map (state, pollInterval, watchLimit, stores, channels)");
            return null;
        }
        loader.allowOnly(node, where, "state", "pollInterval", "watchLimit", "stores", "channels");
        Path state = node.has("state") ? path(loader.text(node.get("state"), where + ".state"))
                : configFile.resolveSibling(configFile.getFileName() + ".sync.db");
        Duration poll = node.has("pollInterval") ? duration(node.get("pollInterval"), where + ".pollInterval")
                : SyncConfig.DEFAULT_POLL_INTERVAL;
        int watchLimit = (int) loader.number(node, "watchLimit", where + ".watchLimit", SyncConfig.DEFAULT_WATCH_LIMIT,
                0, 1000);
        Map<String, SyncConfig.Store> stores = stores(node.path("stores"), where + ".stores");
        List<SyncConfig.Channel> channels = channels(node.path("channels"), where + ".channels", stores);
        if (state == null || poll == null || channels == null) {
            return null;
        }
        return new SyncConfig(state, poll, watchLimit, stores, channels, keyHome);
    }

    private Map<String, SyncConfig.Store> stores(JsonNode node, String where) {
        Map<String, SyncConfig.Store> stores = new LinkedHashMap<>();
        if (!node.isObject() || node.isEmpty()) {
            loader.problem(where + ": expected a map of store name: {imap: ...} or {maildir: ...}");
            return stores;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String place = where + "." + entry.getKey();
            if (!NAME.matcher(entry.getKey()).matches()) {
                loader.problem(place + ": a store name is 1-64 letters, digits, '.', '_' or '-'");
                continue;
            }
            SyncConfig.Store store = store(entry.getKey(), entry.getValue(), place);
            if (store != null) {
                stores.put(entry.getKey(), store);
            }
        }
        return stores;
    }

    private SyncConfig.Store store(String name, JsonNode node, String where) {
        if (!node.isObject()) {
            loader.problem(where + ": expected a map with imap or maildir, and optionally encryptTo");
            return null;
        }
        loader.allowOnly(node, where, "imap", "maildir", "encryptTo");
        String encryptTo = node.has("encryptTo") ? loader.text(node.get("encryptTo"), where + ".encryptTo") : null;
        if (node.has("imap") == node.has("maildir")) {
            loader.problem(where + ": needs exactly one of imap (an IMAP account) and maildir (a local Maildir)");
            return null;
        }
        try {
            return node.has("imap") ? imap(name, node.get("imap"), where + ".imap", encryptTo)
                    : maildir(name, node.get("maildir"), where + ".maildir", encryptTo);
        } catch (IllegalArgumentException e) {
            loader.problem(where + ": " + e.getMessage());
            return null;
        }
    }

    private SyncConfig.Store imap(String name, JsonNode node, String where, String encryptTo) {
        if (!node.isObject()) {
            loader.problem(where + ": expected a map (host, port, tls, user, passwordFile, trust, insecure,"
                    + " allowPlaintextLogin)");
            return null;
        }
        loader.allowOnly(node, where, "host", "port", "tls", "user", "passwordFile", "trust", "insecure",
                "allowPlaintextLogin");
        String host = loader.text(node.path("host"), where + ".host");
        String mode = node.has("tls") ? loader.text(node.get("tls"), where + ".tls") : "implicit";
        ImapUpstreamConfig.TlsMode tls = mode == null ? null : switch (mode.toLowerCase(Locale.ROOT)) {
            case "none" -> ImapUpstreamConfig.TlsMode.NONE;
            case "starttls" -> ImapUpstreamConfig.TlsMode.STARTTLS;
            case "implicit" -> ImapUpstreamConfig.TlsMode.IMPLICIT;
            default -> {
                loader.problem(where + ".tls: '" + mode + "' is not one of none, starttls, implicit");
                yield null;
            }
        };
        int port = (int) loader.number(node, "port", where + ".port",
                tls == ImapUpstreamConfig.TlsMode.IMPLICIT ? 993 : 143, 1, 65535);
        String user = loader.text(node.path("user"), where + ".user");
        Path passwordFile = loader.existingFile(loader.text(node.path("passwordFile"), where + ".passwordFile"),
                where + ".passwordFile");
        boolean plaintext = loader.bool(node, "allowPlaintextLogin", where + ".allowPlaintextLogin", false);
        SslContext context = tls == null || tls == ImapUpstreamConfig.TlsMode.NONE ? null
                : loader.clientTls(node, where);
        if (tls == ImapUpstreamConfig.TlsMode.NONE && (node.has("trust") || node.has("insecure"))) {
            loader.problem(where + ": trust and insecure apply to TLS, and tls is none");
        }
        if (host == null || tls == null || user == null || passwordFile == null
                || (tls != ImapUpstreamConfig.TlsMode.NONE && context == null)) {
            return null;
        }
        StoreConfig.Imap config = new StoreConfig.Imap(host, port, tls, user, passwordFile, plaintext, encryptTo);
        ImapUpstreamConfig upstream = new ImapUpstreamConfig(host, port, tls, context, plaintext, maxMessageBytes,
                Duration.ofSeconds(30), Duration.ofMinutes(5));
        return new SyncConfig.Store(name, config, upstream);
    }

    private SyncConfig.Store maildir(String name, JsonNode node, String where, String encryptTo) {
        if (!node.isObject()) {
            loader.problem(where + ": expected a map (path)");
            return null;
        }
        loader.allowOnly(node, where, "path");
        Path path = path(loader.text(node.path("path"), where + ".path"));
        return path == null ? null : new SyncConfig.Store(name, new StoreConfig.Maildir(path, encryptTo), null);
    }

    private List<SyncConfig.Channel> channels(JsonNode node, String where, Map<String, SyncConfig.Store> stores) {
        if (!node.isArray() || node.isEmpty()) {
            loader.problem(where + ": expected a list of channels (name, a, b, mailboxes, ...)");
            return null;
        }
        List<SyncConfig.Channel> channels = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            SyncConfig.Channel channel = channel(node.get(i), where + "[" + i + "]", stores);
            if (channel != null && !names.add(channel.name())) {
                loader.problem(where + "[" + i + "].name: channel '" + channel.name() + "' is defined twice");
            } else if (channel != null) {
                channels.add(channel);
            }
        }
        return channels;
    }

    private SyncConfig.Channel channel(JsonNode node, String where, Map<String, SyncConfig.Store> stores) {
        if (!node.isObject()) {
            loader.problem(where + ": expected a map (name, a, b, mailboxes, direction, propagate, maxExpungeShare)");
            return null;
        }
        loader.allowOnly(node, where, "name", "a", "b", "mailboxes", "direction", "propagate", "maxExpungeShare");
        String name = loader.text(node.path("name"), where + ".name");
        SyncConfig.Store a = storeRef(node, "a", where, stores);
        SyncConfig.Store b = storeRef(node, "b", where, stores);
        if (a != null && b != null && a.name().equals(b.name())) {
            loader.problem(where + ".b: store '" + b.name() + "' is side a already; a channel pairs two stores");
            return null;
        }
        List<String> mailboxes = mailboxes(node.path("mailboxes"), where + ".mailboxes");
        ChannelConfig.Direction direction = node.has("direction") ? direction(node.get("direction"), where + ".direction")
                : ChannelConfig.Direction.BOTH;
        Set<ChannelConfig.Change> propagate = node.has("propagate") ? propagate(node.get("propagate"), where + ".propagate")
                : ChannelConfig.DEFAULT_PROPAGATION;
        double share = node.has("maxExpungeShare") ? share(node.get("maxExpungeShare"), where + ".maxExpungeShare")
                : ChannelConfig.DEFAULT_MAX_EXPUNGE_SHARE;
        if (name == null || a == null || b == null || mailboxes == null || direction == null || propagate == null
                || Double.isNaN(share)) {
            return null;
        }
        try {
            return new SyncConfig.Channel(new ChannelConfig(name, a.config(), b.config(), mailboxes, direction,
                    propagate, share), a, b);
        } catch (IllegalArgumentException e) {
            loader.problem(where + ": " + e.getMessage());
            return null;
        }
    }

    private SyncConfig.Store storeRef(JsonNode node, String key, String where,
                                      Map<String, SyncConfig.Store> stores) {
        String name = loader.text(node.path(key), where + "." + key);
        if (name == null) {
            return null;
        }
        SyncConfig.Store store = stores.get(name);
        if (store == null) {
            loader.problem(where + "." + key + ": no store named '" + name + "' in sync.stores"
                    + (stores.isEmpty() ? "" : " (there are " + String.join(", ", stores.keySet()) + ")"));
        }
        return store;
    }

    private List<String> mailboxes(JsonNode node, String where) {
        if (node.isMissingNode()) {
            loader.problem(where + ": missing (mailbox patterns, e.g. [INBOX, \"Archive/*\"] or [\"*\"] for all)");
            return null;
        }
        List<String> patterns = new ArrayList<>();
        for (JsonNode pattern : node.isArray() ? node : List.of(node)) {
            String text = loader.text(pattern, where);
            if (text == null) {
                return null;
            }
            patterns.add(text);
        }
        return patterns;
    }

    private ChannelConfig.Direction direction(JsonNode node, String where) {
        String text = loader.text(node, where);
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "both" -> ChannelConfig.Direction.BOTH;
            case "push" -> ChannelConfig.Direction.PUSH;
            case "pull" -> ChannelConfig.Direction.PULL;
            default -> {
                loader.problem(where + ": '" + text + "' is not one of both, push (a to b), pull (b to a)");
                yield null;
            }
        };
    }

    private Set<ChannelConfig.Change> propagate(JsonNode node, String where) {
        if (!node.isArray() || node.isEmpty()) {
            loader.problem(where + ": expected a list of new, flags, expunges, create-folders, delete-folders");
            return null;
        }
        Set<ChannelConfig.Change> changes = EnumSet.noneOf(ChannelConfig.Change.class);
        boolean ok = true;
        for (JsonNode item : node) {
            String text = loader.text(item, where);
            ChannelConfig.Change change = text == null ? null : switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "new" -> ChannelConfig.Change.NEW;
                case "flags" -> ChannelConfig.Change.FLAGS;
                case "expunges" -> ChannelConfig.Change.EXPUNGES;
                case "create-folders" -> ChannelConfig.Change.CREATE_FOLDERS;
                case "delete-folders" -> ChannelConfig.Change.DELETE_FOLDERS;
                default -> {
                    loader.problem(where + ": '" + text + "' is not one of new, flags, expunges, create-folders,"
                            + " delete-folders");
                    yield null;
                }
            };
            if (change == null) {
                ok = false;
            } else if (!changes.add(change)) {
                loader.problem(where + ": '" + text + "' is listed twice");
            }
        }
        return ok ? changes : null;
    }

    /** A share from 0 to 1; NaN when a problem was recorded. */
    private double share(JsonNode node, String where) {
        if (!node.isNumber()) {
            loader.problem(where + ": expected a number from 0 to 1 (0.25 = a quarter of a mailbox)");
            return Double.NaN;
        }
        double value = node.asDouble();
        if (value < 0 || value > 1) {
            loader.problem(where + ": " + node.asText() + " is out of range (0 to 1; 0.25 = a quarter of a mailbox)");
            return Double.NaN;
        }
        return value;
    }

    private Duration duration(JsonNode node, String where) {
        return loader.duration(node, where, MIN_POLL, MAX_POLL);
    }

    /** A path: {@code ~/} is the home folder; a relative one is beside the configuration. */
    private Path path(String text) {
        if (text == null) {
            return null;
        }
        if (text.equals("~") || text.startsWith("~/")) {
            return Path.of(System.getProperty("user.home")).resolve(text.substring(Math.min(2, text.length())))
                    .normalize();
        }
        return loader.resolve(text).normalize();
    }
}
