"""The translation catalogs under locale/ are complete, consistent and compiled.

No database and no Django settings are needed by these tests themselves; run them with
    .venv/bin/python -m pytest tests/test_i18n__catalogs.py -q
(tests/conftest.py imports viewflow, so with `-p no:django` also pass
DJANGO_SETTINGS_MODULE=config.settings).

After adding strings to the code, refresh the catalogs with locale/update.sh, translate the new
zh_Hans entries, and run locale/update.sh again (it recompiles the .mo files).
"""

import gettext
import re
from pathlib import Path

import polib
import pytest

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ["zh_Hans", "en"]
EXPECTED_HEADER = {
    "zh_Hans": {"Language": "zh_Hans", "Plural-Forms": "nplurals=1; plural=0;"},
    "en": {"Language": "en", "Plural-Forms": "nplurals=2; plural=(n != 1);"},
}

# %(name)s / %(count)d, bare %s / %d, and str.format fields such as {task}; "%%" is a literal.
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{[A-Za-z_]\w*\}")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"


def load_po(lang: str) -> polib.POFile:
    return polib.pofile(str(po_path(lang)))


def label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "Plural-Forms header is missing"
    return int(match.group(1))


def translations(catalog: polib.POFile | polib.MOFile) -> dict[tuple[str | None, str], object]:
    """(msgctxt, msgid) -> msgstr, or -> sorted plural forms for plural entries."""
    result: dict[tuple[str | None, str], object] = {}
    for entry in catalog:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue  # msgfmt leaves these out of the .mo
        key = (entry.msgctxt or None, entry.msgid)
        if entry.msgid_plural:
            result[key] = (entry.msgid_plural, tuple(sorted(entry.msgstr_plural.items())))
        else:
            result[key] = entry.msgstr
    return result


@pytest.mark.parametrize("lang", LANGUAGES)
def test_po_parses_with_proper_header(lang: str) -> None:
    po = load_po(lang)
    assert len(po) > 0
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy: msgfmt would ignore it"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    for field, value in EXPECTED_HEADER[lang].items():
        assert po.metadata.get(field) == value, field


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_translated_and_not_fuzzy(lang: str) -> None:
    po = load_po(lang)
    untranslated = [label(e) for e in po.untranslated_entries()]
    fuzzy = [label(e) for e in po.fuzzy_entries()]
    obsolete = [label(e) for e in po.obsolete_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in {lang}: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {lang}: {fuzzy[:20]}"
    assert not obsolete, f"{len(obsolete)} obsolete in {lang}: {obsolete[:20]}"
    assert po.percent_translated() == 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_have_every_form(lang: str) -> None:
    po = load_po(lang)
    forms = nplurals(po)
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(forms)), label(entry)
            assert all(entry.msgstr_plural.values()), label(entry)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match(lang: str) -> None:
    po = load_po(lang)
    forms = nplurals(po)
    problems = []
    for entry in po:
        if entry.msgid_plural:
            for index, msgstr in sorted(entry.msgstr_plural.items()):
                # With a single form (zh) it serves every n, so it follows the plural msgid.
                source = entry.msgid if index == 0 and forms > 1 else entry.msgid_plural
                if placeholders(msgstr) != placeholders(source):
                    problems.append(f"{label(entry)}[{index}]: {msgstr!r}")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(f"{label(entry)}: {entry.msgstr!r}")
    assert not problems, "\n".join(problems)


def test_en_is_the_identity() -> None:
    for entry in load_po("en"):
        if entry.msgid_plural:
            assert entry.msgstr_plural == {0: entry.msgid, 1: entry.msgid_plural}, label(entry)
        else:
            assert entry.msgstr == entry.msgid, label(entry)


def test_same_entries_in_both_catalogs() -> None:
    keys = {lang: {(e.msgctxt, e.msgid) for e in load_po(lang)} for lang in LANGUAGES}
    assert keys["zh_Hans"] == keys["en"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_mo_is_up_to_date(lang: str) -> None:
    assert mo_path(lang).exists(), f"{mo_path(lang)} is missing: run locale/update.sh"
    po = load_po(lang)
    mo = polib.mofile(str(mo_path(lang)))
    po_pairs, mo_pairs = translations(po), translations(mo)
    stale = sorted(
        (str(key) for key in po_pairs.keys() | mo_pairs.keys() if po_pairs.get(key) != mo_pairs.get(key)),
    )
    assert not stale, f"{mo_path(lang)} is out of date (run locale/update.sh): {stale[:20]}"
    # msgfmt leaves POT-Creation-Date out of the .mo header.
    po_header = {k: v for k, v in po.metadata.items() if k != "POT-Creation-Date"}
    mo_header = {k: v for k, v in mo.metadata.items() if k != "POT-Creation-Date"}
    assert mo_header == po_header


@pytest.mark.parametrize(
    ("context", "msgid"),
    [(None, "Inbox"), (None, "Queue"), (None, "Archive"), ("STATUS", "New")],
)
def test_viewflow_strings_translated_in_zh_hans(context: str | None, msgid: str) -> None:
    entry = load_po("zh_Hans").find(msgid, msgctxt=context)
    assert entry is not None, f"{context} | {msgid} is not in the zh_Hans catalog"
    assert entry.msgstr and entry.msgstr != msgid and not entry.fuzzy
    # And what the compiled catalog gives at run time (stdlib gettext reads the same .mo as Django).
    with mo_path("zh_Hans").open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)
    runtime = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
    assert runtime == entry.msgstr


def test_zh_hans_key_terms() -> None:
    po = load_po("zh_Hans")
    expected = {
        (None, "Inbox"): "收件箱",
        (None, "Queue"): "待领取",
        (None, "Archive"): "已归档",
        (None, "Assign"): "领取",
        (None, "Unassign"): "释放",
        (None, "Root-cause analysis"): "根因分析",
        (None, "Permanent corrective actions"): "永久纠正措施",
        (None, "Effectiveness verification"): "有效性验证",
        (None, "Customer confirmation"): "客户确认",
    }
    for (context, msgid), msgstr in expected.items():
        entry = po.find(msgid, msgctxt=context)
        assert entry is not None and entry.msgstr == msgstr, msgid
