"""How a person's name reads wherever the product shows it. Pure functions."""

import re
from typing import Any

# Han ideographs (with extensions A and the compatibility block), kana and hangul: names written in
# these scripts put the family name first, with no space.
_EAST_ASIAN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def full_name(*, first: str, last: str) -> str:
    """Rule: a full name in the order of its script: family name first and no space for Chinese
    (and Japanese, Korean), given name first with a space otherwise.

    Example: full_name(first="芳", last="王") == "王芳"; full_name(first="Wei", last="Zhou") == "Wei Zhou"
    Why: Django's get_full_name() writes "芳 王", which no Chinese reader would recognise.
    """
    first, last = (first or "").strip(), (last or "").strip()
    if _EAST_ASIAN.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def person_name(user: Any) -> str:
    """Rule: how a user is named on pages, messages and the timeline: their full name (see
    full_name), else their login; "" for nobody.

    Example: person_name(User(first_name="芳", last_name="王", username="wangf")) == "王芳"
    """
    if user is None:
        return ""
    name = full_name(first=getattr(user, "first_name", ""), last=getattr(user, "last_name", ""))
    return name or user.get_username()
