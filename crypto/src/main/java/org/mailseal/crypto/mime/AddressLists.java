package org.mailseal.crypto.mime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
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

    /**
     * Parses an address list with mime4j's lenient parser (hand-written, it allocates little per call, unlike the
     * generated strict one); what it cannot read is left out.
     */
    public static List<String> parse(String value) {
        List<String> result = new ArrayList<>();
        AddressList list = LenientAddressParser.DEFAULT.parseAddressList(value);
        for (Address address : list) {
            if (address instanceof Mailbox mailbox && mailbox.getAddress() != null) {
                result.add(Addresses.normalize(mailbox.getAddress()));
            } else if (address instanceof Group group) {
                group.getMailboxes().forEach(m -> result.add(Addresses.normalize(m.getAddress())));
            }
        }
        return result;
    }
}
