"""Related materials and uploaded files (R-AR-01, R-AR-04)."""

from __future__ import annotations

import io
import struct
import time
import zipfile

import pytest

from archives.materials import (
    ATTACHMENT_KINDS,
    DEFAULT_MAX_BYTES,
    KIND_LABELS,
    MEDIA_TYPES,
    REQUIRED_MATERIALS,
    BadFilename,
    EmptyFile,
    FileTooLarge,
    MaterialsMissing,
    TypeMismatch,
    UnsupportedType,
    UploadCheck,
    check_materials,
    check_upload,
    clean_filename,
    missing_materials,
    sniff,
)
from crm.errors import Conflict, InvalidInput

# ---- sample files ---------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
TIFF_LE = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 20
TIFF_BE = b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 20
GIF87 = b"GIF87a" + b"\x01\x00\x01\x00" + b"\x00" * 10
GIF89 = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 10
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50
TEXT = "合同正文：甲方乙方……\n".encode()

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE, END, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC


def _zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(zipfile.ZipInfo(stored_first), members[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, content in members.items():
            if name != stored_first:
                archive.writestr(name, content)
    return buffer.getvalue()


def _ooxml(part: str) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", part: b"<x/>"})


def _odf(mimetype: str) -> bytes:
    return _zip({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"}, stored_first="mimetype")


def _directory_entry(name: str, kind: int, *, right: int = FREE, child: int = FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 0x40, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 0x44, FREE, right, child)
    struct.pack_into("<I", entry, 0x74, END)
    return bytes(entry)


def _ole(*streams: str, sector_shift: int = 9, via_difat: bool = False, loop: bool = False) -> bytes:
    """A minimal compound file ([MS-CFB]) whose root holds empty streams named ``streams``.

    One FAT sector, then the directory sectors, chained in the FAT. With ``via_difat`` the file
    has 110 FAT sectors, the 110th listed only in a DIFAT sector, and the directory lies in the
    sectors only that FAT sector describes (a file of about 7 MB).
    """
    size = 1 << sector_shift
    per_fat = size // 4
    count = len(streams)
    entries = [_directory_entry("Root Entry", 5, child=1 if count else FREE)] + [
        _directory_entry(name, 2, right=index + 2 if index + 1 < count else FREE) for index, name in enumerate(streams)
    ]
    directory_count = -(-len(entries) // (size // 128))
    if via_difat:
        fat_numbers, difat_number, first_directory = list(range(110)), 110, 109 * per_fat
    else:
        fat_numbers, difat_number, first_directory = [0], None, 1
    total = first_directory + directory_count

    fat = [FREE] * (per_fat * len(fat_numbers))
    for number in fat_numbers:
        fat[number] = FATSECT
    if difat_number is not None:
        fat[difat_number] = DIFSECT
    for index in range(directory_count):
        sector = first_directory + index
        fat[sector] = sector + 1 if index + 1 < directory_count else END
    if loop:
        fat[first_directory + directory_count - 1] = first_directory

    body = bytearray(total * size)

    def put(number: int, content: bytes) -> None:
        body[number * size : number * size + len(content)] = content

    for index, number in enumerate(fat_numbers):
        put(number, struct.pack(f"<{per_fat}I", *fat[index * per_fat : (index + 1) * per_fat]))
    if difat_number is not None:
        listed = fat_numbers[109:]
        put(difat_number, struct.pack(f"<{per_fat}I", *(listed + [FREE] * (per_fat - 1 - len(listed)) + [END])))
    put(first_directory, b"".join(entries))

    header = bytearray(size)
    header[:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3 if sector_shift == 9 else 4, 0xFFFE, sector_shift, 6)
    struct.pack_into("<II", header, 0x2C, len(fat_numbers), first_directory)
    first_difat, difat_count = (END, 0) if difat_number is None else (difat_number, 1)
    struct.pack_into("<IIIII", header, 0x38, 0x1000, END, 0, first_difat, difat_count)
    in_header = fat_numbers[:109]
    struct.pack_into("<109I", header, 0x4C, *(in_header + [FREE] * (109 - len(in_header))))
    return bytes(header) + bytes(body)


DOC = _ole("WordDocument", "1Table", "\x05SummaryInformation")
XLS = _ole("Workbook", "\x05SummaryInformation")
XLS_BIFF5 = _ole("Book")
MSI = _ole("\u4840\u3b3f\u4577\u446c\u3b6a\u45e4\u4824", "\x05SummaryInformation")
DOCX = _ooxml("word/document.xml")
XLSX = _ooxml("xl/workbook.xml")
PPTX = _ooxml("ppt/presentation.xml")
ODT = _odf("application/vnd.oasis.opendocument.text")
ODS = _odf("application/vnd.oasis.opendocument.spreadsheet")

SAMPLES = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "tif": TIFF_LE,
    "tiff": TIFF_BE,
    "gif": GIF89,
    "docx": DOCX,
    "xlsx": XLSX,
    "pptx": PPTX,
    "doc": DOC,
    "xls": XLS,
    "odt": ODT,
    "ods": ODS,
}


def _upload(filename: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> UploadCheck:
    return check_upload(filename=filename, data=data, max_bytes=max_bytes)


# ---- related materials ----------------------------------------------------------------------


class TestKinds:
    def test_every_kind_has_a_chinese_label(self) -> None:
        """R-AR-01: 信函、图表、批件、预算及通知单."""

        chinese = [KIND_LABELS[kind][0] for kind in ATTACHMENT_KINDS]

        assert chinese == ["合同文本", "信函", "图表", "批件", "预算", "通知单", "其他"]


class TestMissingMaterials:
    @pytest.mark.parametrize(
        ("contract_type", "required"),
        [
            ("installation", ("contract", "drawing", "budget", "notice")),
            ("alarm_installation", ("contract",)),
            ("residential_supply", ("contract", "notice")),
            ("commercial_supply", ("contract", "notice")),
            ("take_or_pay", ("contract", "approval")),
        ],
    )
    def test_each_type_requires_its_materials(self, contract_type: str, required: tuple[str, ...]) -> None:
        """R-AR-01: the default table, row by row."""

        assert REQUIRED_MATERIALS[contract_type] == required
        assert missing_materials(contract_type=contract_type, kinds_present=()) == required

    @pytest.mark.parametrize("contract_type", sorted(REQUIRED_MATERIALS))
    def test_a_complete_file_misses_nothing(self, contract_type: str) -> None:
        """R-AR-01."""

        present = list(REQUIRED_MATERIALS[contract_type]) + ["other", "letter"]

        assert missing_materials(contract_type=contract_type, kinds_present=present) == ()

    def test_missing_kinds_come_in_the_table_order(self) -> None:
        """R-AR-01: the archivist reads the list top to bottom."""

        missing = missing_materials(contract_type="installation", kinds_present=iter(["notice", "contract"]))

        assert missing == ("drawing", "budget")

    def test_an_unknown_type_needs_the_contract_text(self) -> None:
        """R-AR-01: a type added as data still cannot be archived without its text."""

        assert missing_materials(contract_type="boiler_maintenance", kinds_present=["letter"]) == ("contract",)
        assert missing_materials(contract_type="boiler_maintenance", kinds_present=["contract"]) == ()

    def test_a_configured_table_overrides_the_default(self) -> None:
        """R-AR-01: required materials are configuration."""

        table = {"installation": ("contract", "letter")}

        missing = missing_materials(contract_type="installation", kinds_present=["contract"], required=table)

        assert missing == ("letter",)
        assert missing_materials(contract_type="take_or_pay", kinds_present=[], required=table) == ("contract",)

    def test_a_table_naming_an_unknown_kind_is_a_configuration_error(self) -> None:
        """R-AR-01."""

        with pytest.raises(ValueError):
            missing_materials(contract_type="installation", kinds_present=[], required={"installation": ("photo",)})

    def test_check_materials_names_the_contract_and_what_is_missing(self) -> None:
        """R-AR-01, R-AR-02: the archivist returns an incomplete batch with a reason."""

        with pytest.raises(MaterialsMissing) as caught:
            check_materials(contract_no="HT-SCB-2026-00001", contract_type="take_or_pay", kinds_present=["contract"])

        assert caught.value.code == "attachment.materials_missing"
        assert isinstance(caught.value, Conflict)
        assert "HT-SCB-2026-00001" in caught.value.message
        assert "批件" in caught.value.message and "approval document" in caught.value.message

    def test_check_materials_passes_a_complete_file(self) -> None:
        """R-AR-01."""

        check_materials(
            contract_no="HT-SCB-2026-00001", contract_type="take_or_pay", kinds_present=["contract", "approval"]
        )


# ---- uploads --------------------------------------------------------------------------------


class TestSniffing:
    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            (PDF, "pdf"),
            (PNG, "png"),
            (JPEG, "jpeg"),
            (TIFF_LE, "tiff"),
            (TIFF_BE, "tiff"),
            (GIF87, "gif"),
            (GIF89, "gif"),
            (DOCX, "docx"),
            (XLSX, "xlsx"),
            (PPTX, "pptx"),
            (DOC, "doc"),
            (XLS, "xls"),
            (XLS_BIFF5, "xls"),
            (ODT, "odt"),
            (ODS, "ods"),
            (MSI, "ole"),
            (EXE, "exe"),
            (b"\x7fELF\x02\x01\x01", "elf"),
            (_zip({"readme.txt": b"hi"}), "zip"),
            (_zip({"[Content_Types].xml": b"<Types/>"}), "zip"),
            (_odf("application/vnd.oasis.opendocument.presentation"), "zip"),
            (TEXT, "unknown"),
            (b"PK\x03\x04 not really a zip", "unknown"),
            (b"", "unknown"),
        ],
        ids=lambda value: value if isinstance(value, str) else None,
    )
    def test_content_decides_the_type(self, data: bytes, expected: str) -> None:
        """R-AR-04: magic bytes, ZIP and OLE directories."""

        assert sniff(data=data) == expected

    def test_ole_directories_spread_over_several_sectors_are_followed(self) -> None:
        """R-AR-04: the Word stream may sit in a later directory sector."""

        data = _ole("A", "B", "C", "D", "E", "F", "WordDocument")

        assert sniff(data=data) == "doc"

    def test_ole_files_with_4096_byte_sectors_are_read(self) -> None:
        """R-AR-04: version 4 compound files pad the header to a full sector."""

        assert sniff(data=_ole("Workbook", sector_shift=12)) == "xls"

    def test_ole_fat_listed_through_a_difat_sector_is_read(self) -> None:
        """R-AR-04: past 109 FAT sectors the rest are listed in DIFAT sectors."""

        data = _ole("A", "B", "C", "D", "E", "WordDocument", via_difat=True)

        assert sniff(data=data) == "doc"

    def test_a_looping_ole_directory_chain_ends(self) -> None:
        """R-AR-04: a crafted chain cannot hang the upload."""

        assert sniff(data=_ole("A", "B", "C", "WordDocument", loop=True)) == "doc"

    def test_a_truncated_ole_file_is_not_a_document(self) -> None:
        """R-AR-04."""

        assert sniff(data=DOC[:600]) == "ole"
        assert sniff(data=OLE_MAGIC + b"\x00" * 10) == "ole"

    def test_ooxml_is_recognised_from_the_central_directory_alone(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """R-AR-04: no member of a .docx is decompressed while sniffing."""

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("a member was opened")

        monkeypatch.setattr(zipfile.ZipFile, "open", refuse)

        assert sniff(data=DOCX) == "docx"

    def test_a_zip_bomb_is_not_inflated(self) -> None:
        """R-AR-04: a 64 MB member compressed to a few kB is never read."""
        bomb = _zip({"mimetype": b"\x00" * (64 * 1024 * 1024), "content.xml": b"<x/>"})
        started = time.perf_counter()

        detected = sniff(data=bomb)

        assert detected == "zip"
        assert time.perf_counter() - started < 1.0


class TestCheckUpload:
    @pytest.mark.parametrize("extension", sorted(SAMPLES))
    def test_every_allowed_type_is_accepted(self, extension: str) -> None:
        """R-AR-04: PDF, images, Word, Excel, PowerPoint and ODF files."""
        data = SAMPLES[extension]

        checked = _upload(f"合同附件.{extension}", data)

        assert checked.filename == f"合同附件.{extension}"
        assert checked.extension == extension
        assert checked.media_type == MEDIA_TYPES[checked.detected]
        assert checked.size == len(data)

    @pytest.mark.parametrize(
        ("extension", "media_type"),
        [
            ("pdf", "application/pdf"),
            ("jpg", "image/jpeg"),
            ("tif", "image/tiff"),
            ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("doc", "application/msword"),
            ("xls", "application/vnd.ms-excel"),
            ("odt", "application/vnd.oasis.opendocument.text"),
        ],
    )
    def test_the_media_type_is_the_canonical_one(self, extension: str, media_type: str) -> None:
        """R-AR-04: the type served back on download."""

        assert _upload(f"a.{extension}", SAMPLES[extension]).media_type == media_type

    def test_the_extension_is_read_case_insensitively(self) -> None:
        """R-AR-04: scanners write SCAN001.PDF."""

        checked = _upload("SCAN001.PDF", PDF)

        assert (checked.filename, checked.extension, checked.detected) == ("SCAN001.PDF", "pdf", "pdf")

    @pytest.mark.parametrize(
        ("filename", "data", "really"),
        [
            ("合同.pdf", EXE, "Windows"),
            ("图纸.pdf", PNG, "PNG"),
            ("合同.docx", TEXT, "unrecognised"),
            ("预算.xlsx", DOCX, "Word"),
            ("合同.doc", XLS, "Excel"),
            ("合同.doc", MSI, "OLE"),
            ("照片.jpg", PNG, "PNG"),
            ("合同.odt", ODS, "spreadsheet"),
            ("合同.docx", _zip({"a.txt": b"x"}), "ZIP"),
        ],
    )
    def test_a_lying_extension_is_refused(self, filename: str, data: bytes, really: str) -> None:
        """R-AR-04: the content, not the name, says what a file is."""

        with pytest.raises(TypeMismatch) as caught:
            _upload(filename, data)

        assert caught.value.code == "attachment.type_mismatch"
        assert caught.value.field == "file"
        assert isinstance(caught.value, InvalidInput)
        assert really in caught.value.message
        assert filename in caught.value.message

    @pytest.mark.parametrize("filename", ["setup.exe", "archive.zip", "page.html", "notes.txt", "README", "合同.pdf.exe"])
    def test_an_extension_off_the_list_is_refused(self, filename: str) -> None:
        """R-AR-04."""

        with pytest.raises(UnsupportedType) as caught:
            _upload(filename, PDF)

        assert caught.value.code == "attachment.unsupported_type"
        assert caught.value.field == "file"
        assert ".pdf" in caught.value.message

    def test_an_empty_file_is_refused(self) -> None:
        """R-AR-04."""

        with pytest.raises(EmptyFile) as caught:
            _upload("合同.pdf", b"")

        assert caught.value.code == "attachment.empty"
        assert caught.value.field == "file"

    def test_a_file_of_exactly_the_limit_is_accepted(self) -> None:
        """R-AR-04: the limit is inclusive."""
        data = PDF.ljust(1000, b"\n")

        checked = _upload("合同.pdf", data, max_bytes=1000)

        assert checked.size == 1000

    def test_one_byte_over_the_limit_is_refused(self) -> None:
        """R-AR-04."""
        data = PDF.ljust(1001, b"\n")

        with pytest.raises(FileTooLarge) as caught:
            _upload("合同.pdf", data, max_bytes=1000)

        assert caught.value.code == "attachment.too_large"
        assert caught.value.field == "file"

    def test_the_default_limit_is_20_mb_inclusive(self) -> None:
        """R-AR-04: the message states the limit in MB."""
        at_limit = PDF.ljust(DEFAULT_MAX_BYTES, b"\n")

        assert _upload("扫描件.pdf", at_limit).size == 20 * 1024 * 1024
        with pytest.raises(FileTooLarge) as caught:
            _upload("扫描件.pdf", at_limit + b"\n")

        assert "20 MB" in caught.value.message

    def test_a_fractional_limit_is_stated_in_mb(self) -> None:
        """R-AR-04."""

        with pytest.raises(FileTooLarge) as caught:
            _upload("合同.pdf", PDF.ljust(600 * 1024, b"\n"), max_bytes=512 * 1024)

        assert "0.5 MB" in caught.value.message

    @pytest.mark.parametrize("max_bytes", [0, -1, True, 1.5])
    def test_a_nonsense_limit_is_a_programming_error(self, max_bytes: object) -> None:
        """R-AR-04."""

        with pytest.raises(ValueError):
            check_upload(filename="a.pdf", data=PDF, max_bytes=max_bytes)  # type: ignore[arg-type]


class TestFilenames:
    @pytest.mark.parametrize(
        ("sent", "kept"),
        [
            ("C:\\Users\\zhang\\Desktop\\合同.pdf", "合同.pdf"),
            ("/home/li/scans/合同.pdf", "合同.pdf"),
            ("../../etc/合同.pdf", "合同.pdf"),
            ("  合同.pdf  ", "合同.pdf"),
            ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),
        ],
    )
    def test_directories_and_padding_a_browser_sends_are_stripped(self, sent: str, kept: str) -> None:
        """R-AR-04: the user did nothing wrong, so only the last component is kept."""

        assert _upload(sent, PDF).filename == kept
        assert clean_filename(filename=sent) == kept

    @pytest.mark.parametrize(
        "filename",
        [
            "",
            "   ",
            "scans/",
            "C:\\",
            ".pdf",
            "..",
            "合同\x00.pdf",
            "合同\n.pdf",
            "invoice\u202efdp.exe",
            "合同\u200b.pdf",
            "a" * 197 + ".pdf",
        ],
    )
    def test_a_bad_name_is_refused(self, filename: str) -> None:
        """R-AR-04: blank, hidden, control or bidi characters, over 200 characters."""

        with pytest.raises(BadFilename) as caught:
            _upload(filename, PDF)

        assert caught.value.code == "attachment.bad_filename"
        assert caught.value.field == "file"

    def test_a_name_of_exactly_200_characters_is_accepted(self) -> None:
        """R-AR-04."""
        name = "a" * 196 + ".pdf"

        assert _upload(name, PDF).filename == name

    def test_the_length_limit_applies_after_directories_are_stripped(self) -> None:
        """R-AR-04: a deep client path is not held against the file."""

        assert _upload("C:\\" + "d" * 300 + "\\合同.pdf", PDF).filename == "合同.pdf"
