"""What the server lacks, named for the admin home (never a silent degradation)."""

import shutil

from django import template
from django.utils.translation import gettext as _

from config.fonts import pdf_font_problem

register = template.Library()


@register.simple_tag
def system_problems() -> list[str]:
    problems = []
    font = pdf_font_problem()
    if font:
        problems.append(_("PDF font missing: Chinese 8D reports print as empty boxes (%(detail)s).") % {"detail": font})
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        problems.append(
            _("Chromium not found: browser screenshots (docs/screenshots, the browser tests) cannot be taken.")
        )
    return problems
