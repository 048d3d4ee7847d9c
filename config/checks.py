"""System checks for what Redress needs beyond Python packages."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def pdf_font_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Chinese 8D reports are empty boxes without a CJK font: an error in production (DEBUG off),
    a warning in development."""
    from config.fonts import pdf_font_problem

    problem = pdf_font_problem()
    if problem is None:
        return []
    hint = "Restore static/redress/fonts/ from the release (see its README.md), then run collectstatic."
    if settings.DEBUG:
        return [Warning(problem, hint=hint, id="redress.W001")]
    return [Error(problem, hint=hint, id="redress.E001")]
