package org.mailseal.crypto.mime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import org.mailseal.crypto.keys.Addresses;

/** Addresses named in header fields (RFC 5322 §3.4), lower-cased, groups flattened. */
public final class AddressLists {
    private AddressLists() {}

    /** Every address in the given fields of the header, in order, without duplicates. */
    public static List<String> addresses(HeaderSection header, String... fieldNames) {
        Set<String> result = new LinkedHashSet<>();
        for (HeaderField field : header.fields()) {
            for (String name : fieldNames) {
                if (field.is(name)) {
                    result.addAll(parse(field.value()));
                }
            }
        }
        return new ArrayList<>(result);
    }

    /** Parses an address list leniently; an unparseable list yields what could be read before the error. */
    public static List<String> parse(String value) {
        List<String> result = new ArrayList<>();
        try {
            AddressList list = DefaultAddressParser.DEFAULT.parseAddressList(value);
            for (Address address : list) {
                if (address instanceof Mailbox mailbox) {
                    result.add(Addresses.normalize(mailbox.getAddress()));
                } else if (address instanceof Group group) {
                    group.getMailboxes().forEach(m -> result.add(Addresses.normalize(m.getAddress())));
                }
            }
        } catch (ParseException e) {
            // fall through with nothing more
        }
        return result;
    }
}
