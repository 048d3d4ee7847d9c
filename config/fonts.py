"""The fonts Redress's PDFs are set in: shipped under static/, never whatever a server has.

WeasyPrint reads the vendored Noto Sans SC subset through an `@font-face` rule whose URL is the
file itself; the URL fetcher serves exactly that file and refuses everything else, so building
a PDF never sends a request anywhere. `config.checks` reports a missing font by name.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders

PDF_FONT_FAMILY = "Redress Noto Sans SC"
PDF_FONT_STATIC_PATH = "redress/fonts/NotoSansSC-Regular-subset.otf"
# A character every Chinese page needs: the font is useless without it.
PDF_FONT_PROBE = "中"


def pdf_font_path() -> Path | None:
    """The vendored font file, found like any static file (app and project static folders, or
    STATIC_ROOT after collectstatic); None when it cannot be found."""
    found = finders.find(PDF_FONT_STATIC_PATH)
    if isinstance(found, list):
        found = found[0] if found else None
    if found is None:
        return None
    return Path(found)


@lru_cache(maxsize=4)
def _font_covers(path: str, mtime: float) -> bool:
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

    try:
        font = TTFont(path, lazy=True)
        return ord(PDF_FONT_PROBE) in font.getBestCmap()
    except Exception:
        return False


def pdf_font_problem() -> str | None:
    """Why the PDFs cannot be set in the shipped font, or None when they can. Cheap after the
    first call (the font is read once per file version)."""
    path = pdf_font_path()
    if path is None or not path.is_file():
        return f"PDF font {PDF_FONT_STATIC_PATH} not found in the static files"
    if not _font_covers(str(path), path.stat().st_mtime):
        return f"PDF font {path} is not a readable font with Chinese glyphs"
    return None


def pdf_font_face_css() -> str:
    """The @font-face rule for PDF templates (empty when the font is missing: the system's fonts
    are then used, and the system check has said so)."""
    path = pdf_font_path()
    if path is None:
        return ""
    return f'@font-face {{ font-family: "{PDF_FONT_FAMILY}"; src: url("{path.resolve().as_uri()}"); }}'


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class ShippedFontsOnly(URLFetcher):
        """Serves the shipped PDF font and nothing else: no request leaves the server."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = pdf_font_path()
            if path is not None and url == path.resolve().as_uri():
                return super().fetch(url, headers)
            raise ValueError(f"PDFs load no resources but their font: {url}")

    return ShippedFontsOnly(allowed_protocols={"file"}, allow_redirects=False)


def pdf_write(html: str) -> bytes:
    """HTML (built from inline content) → PDF bytes, set in the shipped fonts."""
    import weasyprint  # loaded on first use: it pulls in Pango and fonts

    return weasyprint.HTML(string=html, url_fetcher=_fetcher()).write_pdf()
