#!/usr/bin/env bash
# Refresh Redress's translation catalogs:
#   locale/zh_Hans/LC_MESSAGES/django.{po,mo}   (Simplified Chinese, the default language)
#   locale/en/LC_MESSAGES/django.{po,mo}        (English; msgstr = msgid)
#
# Usage:  locale/update.sh          (from anywhere; uses .venv/bin/python unless $PYTHON is set)
#
# What it does:
#   1. Extracts the project's own strings:
#        manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete
#      (plus --keep-pot: its template is merged with viewflow's in step 3).
#   2. Extracts django-viewflow's strings fresh from the installed package: Python files with
#      xgettext, templates (and Python) with makemessages run in a temporary copy of the package.
#      viewflow ships only an empty zh_Hans catalog, so the project catalog carries viewflow's
#      translations too (LOCALE_PATHS wins over app catalogs). msgctxt entries are kept
#      (e.g. pgettext_lazy("STATUS", "New")).
#   3. Merges both (msgcat --use-first) and msgmerges the result into the existing catalogs, so
#      every existing translation is kept; entries no longer used anywhere are dropped.
#   4. en: fills every untranslated entry with its msgid (msgen), so English is always complete.
#   5. Compiles the .mo files with `msgfmt --check` (django.po, and djangojs.po: the few strings
#      viewflow's scripts show, kept by hand). The .mo files are committed: the product must run on
#      machines without gettext.
#
# IT DOES NOT TRANSLATE. After adding or changing strings in the code:
#   - run this script;
#   - translate every new zh_Hans entry in locale/zh_Hans/LC_MESSAGES/django.po: entries with an
#     empty msgstr, and entries marked "#, fuzzy" (msgmerge's guess from a similar old string,
#     shown with "#| msgid" -- check it, fix it and delete the fuzzy flag);
#   - run this script again (recompiles the .mo files and normalises formatting);
#   - run: .venv/bin/python -m pytest tests/test_i18n__catalogs.py -q
#     (it fails while any entry is untranslated or fuzzy, a placeholder differs from its msgid,
#     or a .mo is out of date).
#
# Idempotent: running it again without code changes leaves every file byte-for-byte unchanged
# (a catalog whose only difference would be POT-Creation-Date is not rewritten).
#
# Needs GNU gettext (xgettext, msguniq, msgcat, msgmerge, msgattrib, msgen, msgfmt).

# `sh locale/update.sh` (dash on Debian) would stop at the bash-only lines below: use bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-$ROOT/.venv/bin/python}
LANGS=(zh_Hans en)

for tool in xgettext msguniq msgcat msgmerge msgattrib msgen msgfmt; do
    command -v "$tool" >/dev/null || { echo "update.sh: $tool (GNU gettext) is required" >&2; exit 1; }
done

TMP=$(mktemp -d)
done_ok=0
cleanup() {
    if [ "$done_ok" != 1 ]; then
        # makemessages rewrites the catalogs with the project's strings only: put the originals back.
        for lang in "${LANGS[@]}"; do
            if [ -f "$TMP/$lang.orig.po" ]; then
                cp "$TMP/$lang.orig.po" "locale/$lang/LC_MESSAGES/django.po"
            fi
        done
        rm -f locale/django.pot
        echo "update.sh: failed; catalogs left as they were" >&2
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

for lang in "${LANGS[@]}"; do
    if [ -f "locale/$lang/LC_MESSAGES/django.po" ]; then
        cp "locale/$lang/LC_MESSAGES/django.po" "$TMP/$lang.orig.po"
    fi
done

# --- 1. The project's own strings ---------------------------------------------------------------
DJANGO_DEBUG=true "$PY" manage.py makemessages -l zh_Hans -l en \
    --ignore=.venv --ignore=var --ignore=tests --no-obsolete --keep-pot >/dev/null
mv locale/django.pot "$TMP/project.pot"

# --- 2. viewflow's strings ------------------------------------------------------------------------
# (find_spec: importing viewflow itself needs Django settings)
VF_SRC=$("$PY" -c 'import importlib.util as u; print(u.find_spec("viewflow").submodule_search_locations[0])')
mkdir -p "$TMP/vf/locale"
cp -r "$VF_SRC" "$TMP/vf/viewflow"
rm -rf "$TMP/vf/viewflow/locale"
find "$TMP/vf/viewflow" -name __pycache__ -type d -prune -exec rm -rf {} +
(
    cd "$TMP/vf"
    # Python sources.
    find viewflow -name '*.py' | LC_ALL=C sort >py-files.txt
    xgettext --from-code=UTF-8 --language=Python --add-comments=Translators \
        --keyword=_ --keyword=gettext --keyword=gettext_lazy --keyword=gettext_noop \
        --keyword=pgettext:1c,2 --keyword=pgettext_lazy:1c,2 \
        --keyword=ngettext:1,2 --keyword=ngettext_lazy:1,2 \
        --keyword=npgettext:1c,2,3 --keyword=npgettext_lazy:1c,2,3 \
        --files-from=py-files.txt --output=viewflow-py.pot
    # Templates (and Python again), the way Django reads {% translate %}/{% blocktranslate %}.
    env -u DJANGO_SETTINGS_MODULE "$PY" -m django makemessages -l zh_Hans --keep-pot >/dev/null
    msgcat --use-first locale/django.pot viewflow-py.pot --output-file=viewflow.pot
)

# --- 3. Merge into the catalogs, keeping translations ------------------------------------------
msgcat --use-first "$TMP/project.pot" "$TMP/vf/viewflow.pot" --output-file="$TMP/all.pot"

for lang in "${LANGS[@]}"; do
    po="locale/$lang/LC_MESSAGES/django.po"
    # Base: the catalog as it was (all translations), or makemessages' new one on a first run.
    base="$TMP/$lang.orig.po"
    [ -f "$base" ] || base="$po"
    if [ "$lang" = en ]; then
        # English is the source language: identity translations, never fuzzy guesses.
        msgmerge --quiet --no-fuzzy-matching "$base" "$TMP/all.pot" --output-file="$TMP/$lang.merged.po"
        msgattrib --no-obsolete "$TMP/$lang.merged.po" --output-file="$TMP/$lang.clean.po"
        msgen "$TMP/$lang.clean.po" --output-file="$TMP/$lang.identity.po"
        # Django's {% blocktranslate count %} may use a variable only in the singular, e.g.
        # "Export the %(name)s" / "Export the %(objects_count)s %(plural_name)s" (viewflow).
        # GNU msgfmt checks every msgstr[i] of a plural entry against msgid_plural, so the identity
        # msgstr[0] fails `msgfmt --check`, although Django fills every variable in both forms.
        # Mark exactly those entries no-python-format (never fuzzy); the test still checks their
        # placeholders form by form.
        "$PY" - "$TMP/$lang.identity.po" "$TMP/$lang.flagged.po" <<'PYEOF'
import re, sys

def text(block, keyword):
    m = re.search(r"^%s (\".*\"(?:\n\".*\")*)" % keyword, block, re.M)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))) if m else None

def names(s):
    return set(re.findall(r"%\(([^)]+)\)", s))

src, dst = sys.argv[1:]
blocks = open(src, encoding="utf-8").read().split("\n\n")
for i, block in enumerate(blocks):
    singular, plural = text(block, "msgid"), text(block, "msgid_plural")
    if plural is not None and names(singular) != names(plural):
        def reflag(m):
            flags = [f.strip() for f in m.group(1).split(",")]
            # msgmerge marks such an entry fuzzy because of the same check: drop that too.
            flags = ["no-python-format" if f == "python-format" else f for f in flags if f != "fuzzy"]
            return "#, " + ", ".join(flags)
        blocks[i] = re.sub(r"^#,(.*)$", reflag, block, flags=re.M)
open(dst, "w", encoding="utf-8").write("\n\n".join(blocks))
PYEOF
        msgcat "$TMP/$lang.flagged.po" --output-file="$TMP/$lang.new.po"
    else
        msgmerge --quiet --previous "$base" "$TMP/all.pot" --output-file="$TMP/$lang.merged.po"
        msgattrib --no-obsolete "$TMP/$lang.merged.po" --output-file="$TMP/$lang.new.po"
    fi
    # Keep the old file when only POT-Creation-Date would change (idempotence).
    if [ -f "$TMP/$lang.orig.po" ] && cmp -s \
        <(grep -v '^"POT-Creation-Date: ' "$TMP/$lang.orig.po") \
        <(grep -v '^"POT-Creation-Date: ' "$TMP/$lang.new.po"); then
        cp "$TMP/$lang.orig.po" "$po"
    else
        cp "$TMP/$lang.new.po" "$po"
    fi
done

# --- 4. Compile ----------------------------------------------------------------------------------
# All first, then copy: a failure leaves no .mo half-updated. djangojs.po (the strings viewflow's
# scripts show, kept by hand; see its header) is compiled beside django.po.
for lang in "${LANGS[@]}"; do
    for domain in django djangojs; do
        msgfmt --check --output-file="$TMP/$lang.$domain.mo" "locale/$lang/LC_MESSAGES/$domain.po"
    done
done
for lang in "${LANGS[@]}"; do
    for domain in django djangojs; do
        mo="locale/$lang/LC_MESSAGES/$domain.mo"
        cmp -s "$TMP/$lang.$domain.mo" "$mo" || cp "$TMP/$lang.$domain.mo" "$mo"
    done
done

done_ok=1
for lang in "${LANGS[@]}"; do
    po="locale/$lang/LC_MESSAGES/django.po"
    untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
    fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
    # msgattrib prints the header entry too when it selects anything.
    [ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
    [ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
    echo "$po: $untranslated untranslated, $fuzzy fuzzy"
done
