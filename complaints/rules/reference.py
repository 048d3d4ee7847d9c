"""Human-readable complaint references."""


def format_reference(*, prefix: str, year: int, number: int) -> str:
    """Rule: prefix, year and a six-digit serial that restarts each year.

    Example: format_reference(prefix="C", year=2026, number=123) == "C-2026-000123"
    Why: customers read references over the phone; they must be short and unambiguous.
    """
    return f"{prefix}-{year}-{number:06d}"
