package org.mailseal.imap.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The section-spec grammar of RFC 3501 §9. */
class SectionSpecTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "1..2", "0", "1.0", "01", "1.", ".1", "HEADER.FIELDS", "HEADER.FIELDS ()", "HEADER.FIELDS.NOT",
        "HEADER.FIELDS (FROM", "HEADER.FIELDS FROM)", "HEADER.FIELDS ((FROM))", "HEADER.FIELDS (FROM))",
        "HEADER.FIELDS (FROM  TO)", "HEADER.FIELDS (\"FROM)", "TEXT.1", "MIME", "HEADER.1", "1.MIME.1",
        "12345678901234567890", "4294967296", "1.TEXTX", "HEADERS", "1 ", " 1", "1.HEADER.FIELDS.NOT ()",
        "HEADER.FIELDS ({3}\r\nFR)"
    })
    void rejectsJunk(String section) {
        assertThat(MessageView.parseSection(section)).isNull();
    }

    @Test
    void parsesEveryForm() {
        assertThat(MessageView.parseSection(""))
                .isEqualTo(new SectionSpec(List.of(), SectionSpec.Kind.ALL, List.of()));
        assertThat(MessageView.parseSection("1.2.3"))
                .isEqualTo(new SectionSpec(List.of(1, 2, 3), SectionSpec.Kind.ALL, List.of()));
        assertThat(MessageView.parseSection("2.mime"))
                .isEqualTo(new SectionSpec(List.of(2), SectionSpec.Kind.MIME, List.of()));
        assertThat(MessageView.parseSection("header").kind()).isEqualTo(SectionSpec.Kind.HEADER);
        assertThat(MessageView.parseSection("1.Text").kind()).isEqualTo(SectionSpec.Kind.TEXT);
        assertThat(MessageView.parseSection("4294967295").part()).containsExactly(Integer.MAX_VALUE);
        assertThat(MessageView.parseSection("header.fields (From \"X-B\" {3}\r\nX-C x-d])"))
                .isEqualTo(new SectionSpec(List.of(), SectionSpec.Kind.HEADER_FIELDS,
                        List.of("FROM", "X-B", "X-C", "X-D]")));
        assertThat(MessageView.parseSection("3.HEADER.FIELDS.NOT (X-A \"X-B\")"))
                .isEqualTo(new SectionSpec(List.of(3), SectionSpec.Kind.HEADER_FIELDS_NOT, List.of("X-A", "X-B")));
    }
}
