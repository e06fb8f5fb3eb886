"""crm.accounts.import_rules: encodings and headers of the old system's CSV files."""

from __future__ import annotations

import io

import pytest

from crm.accounts.import_rules import IMPORT_COLUMNS, ImportFileInvalid, detect_encoding, read_rows, resolve_header

HEADER = "category,name,id_type,id_number,phone,province,city,district,detail,branch,delivery_notice_no,acceptance_drawing_no"


class TestEncoding:
    def test_a_utf8_bom_is_recognised_and_dropped(self):
        assert detect_encoding(b"\xef\xbb\xbfcategory,name") == "utf-8-sig"

    def test_utf8_without_bom_even_when_the_sample_ends_mid_character(self):
        assert detect_encoding("用户名称".encode("utf-8")[:-1]) == "utf-8"

    def test_gbk_from_excel_reads_as_gb18030(self):
        assert detect_encoding("用户名称,证件号码".encode("gbk")) == "gb18030"

    def test_utf16_is_refused_with_a_hint(self):
        with pytest.raises(ImportFileInvalid, match="UTF-16"):
            detect_encoding(b"\xff\xfec\x00a\x00")


class TestHeader:
    def test_chinese_labels_english_names_and_export_only_columns(self):
        columns = resolve_header(["户号", "用户类别", "name", " ID_TYPE ", "证件号码", "phone", "province", "city",
                                  "district", "详细地址", "营业网点", "delivery_notice_no", "acceptance_drawing_no", "status"])

        assert columns.positions["category"] == 1 and columns.positions["id_type"] == 3
        assert columns.positions["branch"] == 10
        assert "account_no" not in columns.positions and not columns.has_meter

    @pytest.mark.parametrize(
        "names,code",
        [
            ([], "import.empty"),
            (HEADER.split(",") + ["name"], "import.duplicate_columns"),
            (HEADER.split(",")[1:], "import.missing_columns"),
            (HEADER.split(",") + ["meter_model"], "import.missing_columns"),
            (HEADER.split(",") + ["colour"], "import.unknown_columns"),
        ],
    )
    def test_a_header_that_cannot_be_mapped_stops_the_import(self, names, code):
        with pytest.raises(ImportFileInvalid) as refused:
            resolve_header(names)

        assert refused.value.code == code

    def test_every_import_column_is_unique(self):
        assert len(set(IMPORT_COLUMNS)) == len(IMPORT_COLUMNS)


class TestRows:
    def test_quoted_newlines_blank_lines_and_line_numbers(self):
        text = HEADER + '\nresidential,"张\n三",resident_id,x,p,省,市,区,详,DC,n,d\n\n,,,\nresidential,李四,,,,,,,,,,\n'

        _, rows = read_rows(io.StringIO(text))
        parsed = list(rows)

        assert [r.line for r in parsed] == [2, 6]
        assert parsed[0].customer.name == "张\n三" and parsed[1].customer.id_type is None

    def test_a_bad_meter_date_is_a_field_error_of_the_row(self):
        text = HEADER + ",meter_serial,meter_installed_date\nresidential,a,b,c,d,e,f,g,h,DC,n,d,M1,2024-13-40\n"

        _, rows = read_rows(io.StringIO(text))
        row = next(iter(rows))

        assert [e.field for e in row.errors] == ["meter_installed_date"]

    def test_a_formula_cell_our_export_quoted_loads_back_as_the_text_it_was(self):
        """Issue 14 finding 3: the export's leading quote is ours, not the customer's (R-PM-04 round trip)."""
        text = HEADER + "\nresidential,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",b,c,d,e,f,g,'quoted,DC,n,d\n"

        _, rows = read_rows(io.StringIO(text))
        row = next(iter(rows))

        assert (row.customer.name, row.customer.detail) == ('=HYPERLINK("http://x","y")', "'quoted")
