"""A search of the code finds no time limit, amount or percentage that belongs to an admin."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = [
    p for d in ("complaints", "flows", "web", "config") for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts
]
# A literal time span, an amount or percentage default, or a limit compared with a number. 0 and 1
# are structure (empty, "at least one", one day as a unit), not thresholds.
NUMBER = r"(?:[2-9]|\d{2,})"
SUSPECT = [
    re.compile(rf"timedelta\((?:weeks|days|hours|minutes|seconds)={NUMBER}"),
    re.compile(rf"\w*(?:minutes|hours|days|percent|amount|limit|threshold)\w*\s*(?:=|==|>=|<=|>|<)\s*{NUMBER}"),
    re.compile(rf"default={NUMBER}"),
    re.compile(rf"Decimal\(\"{NUMBER}"),
]
# Bounds of validity (a percentage stays below 100) are not values an admin sets.
BOUNDS = ("Validator(", "condition=models.Q(")
# Demo data and the beat interval are not the admin's thresholds; each allowance says why.
ALLOWED = {
    "flows/management/commands/seed_demo.py",  # demo complaints are dated relative to now
    "complaints/management/commands/bench_data.py",  # benchmark data spread over a year, not policy
    # The operator's deployment settings (ports, HSTS, session idle time, login lock-out), each read
    # from an environment variable documented in the README's Configuration table.
    "config/settings.py",
}


def test_no_admin_owned_number_is_written_into_code() -> None:
    found = []
    for path in CODE:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(mark in line for mark in BOUNDS) or "Example:" in line:
                continue
            if any(p.search(line) for p in SUSPECT):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert found == [], "numbers an admin should own:\n" + "\n".join(found)


def test_the_search_would_catch_a_hard_coded_limit() -> None:
    assert any(p.search("due = start + timedelta(hours=24)") for p in SUSPECT)
    assert any(p.search("warning_percent = 80") for p in SUSPECT)
