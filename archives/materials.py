"""Related materials of an archived contract and checks on uploaded files (R-AR-01, R-AR-04).

第十条: a contract goes to the archive "together with its letters, drawings, approvals, budgets
and notices". Which of those a contract type must have is a table, so adding a type means
adding a row.

Uploaded files are kept for decades and opened by other staff, so the file's content decides
what it is, never its name: a file whose bytes are not what its extension claims (an .exe or a
.png renamed .pdf) is refused. Sniffing reads magic bytes and, for ZIP and OLE containers, only
their directories — never decompresses a member it has not sized first, so a zip bomb costs
nothing.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from crm.errors import Conflict, InvalidInput

__all__ = [
    "ALLOWED_EXTENSIONS",
    "ATTACHMENT_KINDS",
    "DEFAULT_MAX_BYTES",
    "DETECTED_LABELS",
    "KIND_LABELS",
    "MAX_FILENAME_LENGTH",
    "MEDIA_TYPES",
    "REQUIRED_MATERIALS",
    "UNKNOWN_TYPE_REQUIRED",
    "BadFilename",
    "EmptyFile",
    "FileTooLarge",
    "MaterialsMissing",
    "TypeMismatch",
    "UnsupportedType",
    "UploadCheck",
    "check_materials",
    "check_upload",
    "clean_filename",
    "missing_materials",
    "sniff",
]

# ---- related materials ----------------------------------------------------------------------

ATTACHMENT_KINDS = ("contract", "letter", "drawing", "approval", "budget", "notice", "other")

KIND_LABELS: dict[str, tuple[str, str]] = {
    "contract": ("合同文本", "Contract text"),
    "letter": ("信函", "Letter"),
    "drawing": ("图表", "Drawing"),
    "approval": ("批件", "Approval document"),
    "budget": ("预算", "Budget"),
    "notice": ("通知单", "Notice"),
    "other": ("其他", "Other"),
}

# Installation: the acceptance drawings, the budget department's estimate the fee came from
# (第六条) and the gas delivery notice (R-AC-04). Supply: the delivery notice that started
# supply. Take-or-pay: the general manager's approval with the market and finance figures (R-CT-09).
REQUIRED_MATERIALS: dict[str, tuple[str, ...]] = {
    "installation": ("contract", "drawing", "budget", "notice"),
    "alarm_installation": ("contract",),
    "residential_supply": ("contract", "notice"),
    "commercial_supply": ("contract", "notice"),
    "take_or_pay": ("contract", "approval"),
}

# A type added as data after this table was written still cannot be archived without its text.
UNKNOWN_TYPE_REQUIRED: tuple[str, ...] = ("contract",)

if set(KIND_LABELS) != set(ATTACHMENT_KINDS) or not all(
    set(kinds) <= set(ATTACHMENT_KINDS) for kinds in REQUIRED_MATERIALS.values()
):
    raise RuntimeError("every attachment kind needs a label and required materials must be known kinds")


def missing_materials(
    *, contract_type: str, kinds_present: Iterable[str], required: Mapping[str, Sequence[str]] | None = None
) -> tuple[str, ...]:
    """The required kinds not present, in the table's order; empty when the file is complete.

    A type missing from ``required`` needs UNKNOWN_TYPE_REQUIRED; a table naming a kind outside
    ATTACHMENT_KINDS is a configuration error (ValueError) because nobody could ever upload it.
    """
    table = REQUIRED_MATERIALS if required is None else required
    needed = tuple(table.get(contract_type, UNKNOWN_TYPE_REQUIRED))
    unknown = [kind for kind in needed if kind not in KIND_LABELS]
    if unknown:
        raise ValueError(f"unknown attachment kinds {unknown} required for {contract_type!r}")
    present = set(kinds_present)
    return tuple(kind for kind in needed if kind not in present)


class MaterialsMissing(Conflict):
    code = "attachment.materials_missing"


def check_materials(
    *,
    contract_no: str,
    contract_type: str,
    kinds_present: Iterable[str],
    required: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Refuse a contract whose file lacks required materials, naming what is missing."""
    missing = missing_materials(contract_type=contract_type, kinds_present=kinds_present, required=required)
    if missing:
        zh = "、".join(KIND_LABELS[kind][0] for kind in missing)
        en = ", ".join(KIND_LABELS[kind][1].lower() for kind in missing)
        raise MaterialsMissing(
            f"合同 {contract_no} 缺少归档材料：{zh} / Contract {contract_no} is missing: {en}"
        )


# ---- uploaded files -------------------------------------------------------------------------

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_FILENAME_LENGTH = 200

# extension → the type its content must sniff as
ALLOWED_EXTENSIONS: dict[str, str] = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "tif": "tiff",
    "tiff": "tiff",
    "gif": "gif",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "doc": "doc",
    "xls": "xls",
    "odt": "odt",
    "ods": "ods",
}

MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}

# Every type sniff() may report, so an error can say what the file really is.
DETECTED_LABELS: dict[str, tuple[str, str]] = {
    "pdf": ("PDF 文档", "a PDF document"),
    "png": ("PNG 图片", "a PNG image"),
    "jpeg": ("JPEG 图片", "a JPEG image"),
    "tiff": ("TIFF 图片", "a TIFF image"),
    "gif": ("GIF 图片", "a GIF image"),
    "docx": ("Word 文档（.docx）", "a Word document (.docx)"),
    "xlsx": ("Excel 表格（.xlsx）", "an Excel workbook (.xlsx)"),
    "pptx": ("PowerPoint 演示文稿（.pptx）", "a PowerPoint presentation (.pptx)"),
    "doc": ("Word 97-2003 文档（.doc）", "a Word 97-2003 document (.doc)"),
    "xls": ("Excel 97-2003 表格（.xls）", "an Excel 97-2003 workbook (.xls)"),
    "odt": ("ODF 文本文档（.odt）", "an ODF text document (.odt)"),
    "ods": ("ODF 电子表格（.ods）", "an ODF spreadsheet (.ods)"),
    "ole": ("其他 OLE 复合文件（如 .msi、.msg）", "another OLE compound file (e.g. .msi, .msg)"),
    "zip": ("ZIP 压缩包", "a ZIP archive"),
    "exe": ("Windows 可执行程序", "a Windows executable"),
    "elf": ("Linux 可执行程序", "a Linux executable"),
    "rar": ("RAR 压缩包", "a RAR archive"),
    "7z": ("7z 压缩包", "a 7z archive"),
    "unknown": ("无法识别的内容（如纯文本）", "unrecognised content (e.g. plain text)"),
}

if set(ALLOWED_EXTENSIONS.values()) != set(MEDIA_TYPES) or not set(MEDIA_TYPES) <= set(DETECTED_LABELS):
    raise RuntimeError("every allowed type needs a media type and a label")


@dataclass(frozen=True)
class UploadCheck:
    filename: str  # cleaned: directories stripped, NFC, trimmed
    extension: str  # lower case, no dot
    detected: str  # a key of MEDIA_TYPES
    media_type: str
    size: int


class _FileError(InvalidInput):
    def __init__(self, message: str, *, field: str | None = "file", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class EmptyFile(_FileError):
    code = "attachment.empty"


class FileTooLarge(_FileError):
    code = "attachment.too_large"


class BadFilename(_FileError):
    code = "attachment.bad_filename"


class UnsupportedType(_FileError):
    code = "attachment.unsupported_type"


class TypeMismatch(_FileError):
    code = "attachment.type_mismatch"


# -- file names --

# Control characters hide parts of a name; format characters include the right-to-left
# override that makes "invoice\u202efdp.exe" display as "invoiceexe.pdf".
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def clean_filename(*, filename: str) -> str:
    """The name to store and show, or BadFilename.

    Old browsers and some upload tools send the full client path (C:\\Users\\…\\合同.pdf).
    Only the last component is kept instead of refusing it: the user did nothing wrong, and
    the stored name never reaches the file system (blobs are stored by hash), so no
    traversal is possible either way. NFC because macOS sends decomposed names.
    """
    if not isinstance(filename, str):
        raise BadFilename("文件名无效 / The file name is invalid")
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in filename):
        raise BadFilename("文件名含有控制字符 / The file name contains control characters")
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not name:
        raise BadFilename("文件名不能为空 / The file name is blank")
    if name.startswith("."):
        raise BadFilename(
            f"文件名 {name!r} 不能以“.”开头 / The file name {name!r} may not start with '.'"
        )
    if len(name) > MAX_FILENAME_LENGTH:
        raise BadFilename(
            f"文件名最多 {MAX_FILENAME_LENGTH} 个字符 / The file name may have at most {MAX_FILENAME_LENGTH} characters"
        )
    return name


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.strip().lower() if dot and stem else ""


# -- sniffing --

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"MZ", "exe"),
    (b"\x7fELF", "elf"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A real document has dozens of members; far more means a crafted directory.
_MAX_ZIP_MEMBERS = 10_000
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_OOXML_PARTS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # infolist() comes from the central directory alone; nothing is decompressed.
            members = archive.infolist()
            if len(members) > _MAX_ZIP_MEMBERS:
                return "zip"
            names = {member.filename for member in members}
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_PARTS:
                    if any(name.startswith(prefix) for name in names):
                        return kind
                return "zip"
            mimetype = next((m for m in members if m.filename == "mimetype"), None)
            # ODF stores this member uncompressed; read it only when it is small and stored.
            if mimetype is not None and mimetype.compress_type == zipfile.ZIP_STORED and mimetype.file_size <= 100:
                declared = archive.read(mimetype).decode("ascii", errors="replace").strip()
                return _ODF_TYPES.get(declared, "zip")
            return "zip"
    # RuntimeError: an encrypted member; the rest: a damaged or truncated archive.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, ValueError, EOFError):
        return "unknown"


_FREE_OR_END = 0xFFFFFFFA  # sector ids at or above this are markers, not sectors


def _ole_entry_names(data: bytes) -> set[str]:
    """Names in the directory of an OLE compound file ([MS-CFB]); empty when malformed.

    Only the header, the FAT and the directory sectors are read, with every chain bounded by
    the number of sectors in the file, so a crafted loop ends.
    """
    if len(data) < 512:
        return set()
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        return set()
    size = 1 << sector_shift
    # The header occupies sector "-1": a 4096-byte-sector file pads it to a full sector.
    sector_count = len(data) // size - 1
    per_sector = size // 4

    def sector(number: int) -> bytes | None:
        if number >= sector_count:
            return None
        start = (number + 1) * size
        return data[start : start + size]

    fat_count, first_directory = struct.unpack_from("<II", data, 0x2C)
    first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
    fat_sectors = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < _FREE_OR_END]
    next_difat, seen = first_difat, set()
    while next_difat < _FREE_OR_END and next_difat not in seen and len(seen) < difat_count:
        seen.add(next_difat)
        block = sector(next_difat)
        if block is None:
            break
        entries = struct.unpack(f"<{per_sector}I", block)
        fat_sectors.extend(n for n in entries[:-1] if n < _FREE_OR_END)
        next_difat = entries[-1]
    fat_sectors = fat_sectors[:fat_count]

    def next_in_chain(number: int) -> int:
        index, offset = divmod(number, per_sector)
        if index >= len(fat_sectors):
            return _FREE_OR_END
        block = sector(fat_sectors[index])
        if block is None:
            return _FREE_OR_END
        return struct.unpack_from("<I", block, offset * 4)[0]

    names: set[str] = set()
    current, visited = first_directory, set()
    while current < _FREE_OR_END and current not in visited:
        visited.add(current)
        block = sector(current)
        if block is None:
            break
        for start in range(0, size, 128):
            entry = block[start : start + 128]
            name_length = struct.unpack_from("<H", entry, 0x40)[0]
            kind = entry[0x42]
            if kind in (1, 2, 5) and 2 <= name_length <= 64 and name_length % 2 == 0:
                names.add(entry[: name_length - 2].decode("utf-16-le", errors="replace"))
        current = next_in_chain(current)
    return names


def _sniff_ole(data: bytes) -> str:
    # The extension of a legacy Office file lives in its streams: Word keeps "WordDocument",
    # Excel "Workbook" (BIFF8) or "Book" (BIFF5). Installers (.msi) and Outlook messages are
    # OLE files too, which is exactly why the magic number alone is not enough.
    try:
        names = _ole_entry_names(data)
    except (struct.error, IndexError):
        return "ole"
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    return "ole"


def sniff(*, data: bytes) -> str:
    """What the bytes are: a key of DETECTED_LABELS."""
    if data.startswith(_ZIP_MAGIC):
        return _sniff_zip(data)
    if data.startswith(_OLE_MAGIC):
        return _sniff_ole(data)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return "unknown"


def _megabytes(size: int) -> str:
    """20, 0.5, 1.25: at most two decimals, since a limit is configured in round numbers."""
    value = size / (1024 * 1024)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "0" else f"{value:.2g}"


def _allowed_text() -> str:
    return ", ".join(f".{extension}" for extension in ALLOWED_EXTENSIONS)


def check_upload(*, filename: str, data: bytes, max_bytes: int) -> UploadCheck:
    """Accept a file for the archive or refuse it with the first problem a user can fix.

    Order: the name (cheap, and it says what the user meant), then size, then content.
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a positive integer, not {max_bytes!r}")
    name = clean_filename(filename=filename)
    extension = _extension(name)
    expected = ALLOWED_EXTENSIONS.get(extension)
    if expected is None:
        shown = f".{extension}" if extension else "（无）"
        shown_en = f".{extension}" if extension else "none"
        raise UnsupportedType(
            f"不支持的文件类型 {shown}，允许：{_allowed_text()} / "
            f"Unsupported file type ({shown_en}); allowed: {_allowed_text()}"
        )
    size = len(data)
    if size == 0:
        raise EmptyFile(f"文件 {name} 是空的 / The file {name} is empty")
    if size > max_bytes:
        limit = _megabytes(max_bytes)
        raise FileTooLarge(
            f"文件 {name} 超过 {limit} MB 的上限 / The file {name} is over the {limit} MB limit"
        )
    detected = sniff(data=data if isinstance(data, bytes) else bytes(data))
    if detected != expected:
        zh, en = DETECTED_LABELS.get(detected, DETECTED_LABELS["unknown"])
        raise TypeMismatch(
            f"文件 {name} 的内容是{zh}，与扩展名 .{extension} 不符 / "
            f"The content of {name} is {en}, not what its .{extension} extension claims"
        )
    return UploadCheck(
        filename=name, extension=extension, detected=detected, media_type=MEDIA_TYPES[detected], size=size
    )
