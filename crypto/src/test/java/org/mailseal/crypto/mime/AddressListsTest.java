package org.mailseal.crypto.mime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AddressListsTest {
    @Test
    void displayNamesQuotedCommasCommentsAndGroups() {
        assertThat(AddressLists.parse("\"Doe, John\" <John.Doe@Example.org>, bob@example.org (Bob), "
                + "team: carol@example.org, Dave <dave@example.org>;, <erin@example.org>"))
                .containsExactly("john.doe@example.org", "bob@example.org", "carol@example.org", "dave@example.org",
                        "erin@example.org");
    }

    @Test
    void garbageYieldsWhatCanBeRead() {
        assertThat(AddressLists.parse("undisclosed-recipients:;")).isEmpty();
        assertThat(AddressLists.parse("")).isEmpty();
    }
}
