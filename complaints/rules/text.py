"""Making untrusted text inert where it leaves us: mail headers, spreadsheet cells, names shown
beside other text. Pure functions."""

import re

# Right-to-left and left-to-right embeddings, overrides and isolates, and the invisible marks:
# they reorder what a reader sees ("Zhou‮gnp.exe" shows as "Zhouexe.png").
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# Line breaks of every kind and the other control characters (tab included).
_CONTROLS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, as a
# cell separator that shifts what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def without_bidi_controls(text: str) -> str:
    """The text without direction overrides, embeddings, isolates and marks.

    Example: without_bidi_controls("Zhou\u202egnp.exe") == "Zhougnp.exe"
    """
    return _BIDI.sub("", text)


def header_value(text: str) -> str:
    """A value safe for a mail header: line breaks and other control characters become one space
    (they would start a new header or make the backend refuse the mail), direction controls go.

    Example: header_value("Zhou\\r\\nBcc: x@example.com") == "Zhou Bcc: x@example.com"
    """
    return _CONTROLS.sub(" ", without_bidi_controls(text or "")).strip()


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: a string starting like a formula (=, +, -, @, tab, CR)
    gets a leading apostrophe. Other values pass unchanged.

    Example: csv_cell("=HYPERLINK(...)") == "'=HYPERLINK(...)"; csv_cell(-3) == -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
