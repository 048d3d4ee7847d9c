"""What a file is, read from its first bytes rather than its name: the signatures of the types an
admin may allow for attachments (ProcessSettings.attachment_extensions). Pure: bytes in, answer out.

A type missing here cannot be allowed (the settings refuse it), so every accepted upload has had
its content checked."""

import codecs
from collections.abc import Callable

# How many leading bytes the checks need (the longest signature plus an ISO box header; text is
# judged on this much).
HEAD_BYTES = 4096

# ISO base media (MP4, QuickTime, HEIF): a box size, then "ftyp" and the major brand.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
QUICKTIME_ATOMS = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(prefixes)


def _riff(kind: bytes) -> Callable[[bytes], bool]:
    return lambda head: head[:4] == b"RIFF" and head[8:12] == kind


def _ftyp(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _heif(head: bytes) -> bool:
    return _ftyp(head) and head[8:12] in HEIF_BRANDS


def _quicktime(head: bytes) -> bool:
    return head[4:8] in QUICKTIME_ATOMS


def _mp3(head: bytes) -> bool:
    # An ID3 tag, or straight into an MPEG audio frame (11 sync bits).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _text(head: bytes) -> bool:
    """Plain text: UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030, without control
    characters other than tab, line and page breaks. The head may end inside a character."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = codecs.getincrementaldecoder("utf-16")().decode(head, final=False)
        except UnicodeDecodeError:
            return False
    else:
        text = ""
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
                break
            except UnicodeDecodeError:
                continue
        else:
            return False
    return not any((ord(c) < 32 and c not in "\t\n\r\f") or ord(c) == 127 for c in text)


OLE2 = _starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # .doc, .xls, .ppt (Compound File)
ZIP = _starts(b"PK\x03\x04")  # .docx, .xlsx, .pptx, .odt… (a zip archive)

SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "jpg": _starts(b"\xff\xd8\xff"),
    "jpeg": _starts(b"\xff\xd8\xff"),
    "png": _starts(b"\x89PNG\r\n\x1a\n"),
    "gif": _starts(b"GIF87a", b"GIF89a"),
    "webp": _riff(b"WEBP"),
    "bmp": _starts(b"BM"),
    "tif": _starts(b"II*\x00", b"MM\x00*"),
    "tiff": _starts(b"II*\x00", b"MM\x00*"),
    "heic": _heif,
    "heif": _heif,
    "pdf": _starts(b"%PDF-"),
    "doc": OLE2,
    "xls": OLE2,
    "ppt": OLE2,
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "odt": ZIP,
    "ods": ZIP,
    "zip": ZIP,
    "txt": _text,
    "csv": _text,
    "mp3": _mp3,
    "m4a": _ftyp,
    "mp4": _ftyp,
    "mov": _quicktime,
    "wav": _riff(b"WAVE"),
    "amr": _starts(b"#!AMR\n", b"#!AMR-WB\n"),
}

KNOWN_EXTENSIONS = frozenset(SIGNATURES)


def content_matches(extension: str, head: bytes) -> bool:
    """True when the first bytes of a file are what a file of this extension starts with; False
    for an extension without a known signature."""
    check = SIGNATURES.get(extension.lower().lstrip("."))
    return bool(head) and check is not None and check(head[:HEAD_BYTES])


# Zip-based office documents: the part every genuine document has, and what marks active content.
OFFICE_MAIN_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
OPEN_DOCUMENT_TYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
OFFICE_ZIP_EXTENSIONS = frozenset(OFFICE_MAIN_PARTS) | frozenset(OPEN_DOCUMENT_TYPES)
# Macros (VBA projects, the macro-enabled content types, OpenDocument Basic and scripts) and ActiveX
# controls: a complaint's evidence never needs them, and they are how office files carry code.
ACTIVE_PART_MARKS = ("vbaproject", "vbadata", "activex/", "basic/", "scripts/", "macrosheets/")
ACTIVE_CONTENT_TYPE_MARKS = (b"macroenabled", b"vbaproject", b"activex", b"ms-office.vbaproject")


def office_archive_fault(extension: str, names: list[str], content_types: bytes, mimetype: bytes) -> str:
    """Rule: what is wrong with a zip-based office document, judged from its member names, its
    `[Content_Types].xml` (Office Open XML) and its `mimetype` member (OpenDocument); "" when
    nothing is.

    Answers "content" when it is not the document its extension says (a renamed zip, a .xlsx that
    is a .docx), "active" when it carries macros or ActiveX controls.
    Example: office_archive_fault("docx", ["[Content_Types].xml", "word/document.xml"], b"<Types/>", b"") == ""
    Why: the signature only says "a zip"; what is inside decides what opens on a colleague's PC.
    """
    extension = extension.lower().lstrip(".")
    lowered = [name.lower() for name in names]
    if extension in OFFICE_MAIN_PARTS:
        if "[content_types].xml" not in lowered or OFFICE_MAIN_PARTS[extension] not in lowered:
            return "content"
    elif extension in OPEN_DOCUMENT_TYPES:
        if mimetype.strip() != OPEN_DOCUMENT_TYPES[extension]:
            return "content"
    else:
        return ""
    if any(mark in name for name in lowered for mark in ACTIVE_PART_MARKS):
        return "active"
    if any(mark in content_types.lower() for mark in ACTIVE_CONTENT_TYPE_MARKS):
        return "active"
    return ""
