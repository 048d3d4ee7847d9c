"""Issue 20, item 5: the intake's category is picked from the tree (a radio button per category,
nested under its parent, with a search box the page's own script drives; no inline script)."""

import re

from complaints.forms.category_tree import category_tree
from complaints.models import Category
from tests.conftest import START_URL, intake_data
from tests.flows.test_flows__journey import as_user


def test_category_tree_nests_children_and_keeps_orphans_reachable():
    rows = [(1, None, "After-sales", "a"), (2, 1, "Battery", "b"), (3, 9, "Retired parent's child", "c")]
    roots = category_tree(rows)
    assert [(r.name, [c.name for c in r.children]) for r in roots] == [
        ("After-sales", ["Battery"]),
        ("Retired parent's child", []),
    ]


def test_the_intake_page_offers_the_categories_as_a_tree(org, agent):
    parent = Category.objects.create(code="tree-parent", name="After-sales")
    child = Category.objects.create(code="tree-child", name="Battery pack", parent=parent)
    Category.objects.create(code="gone", name="Retired one", active=False)
    page = as_user(agent).get(START_URL).content.decode()
    tree = page.split('data-tree-picker="category"')[1].split("</fieldset>")[0]
    # The child's radio sits in the parent's group; retired categories are not offered.
    branch = tree.split(f'id="id_category_{parent.pk}"')[1]
    assert 'class="rd-tree__group"' in branch.split(f'id="id_category_{child.pk}"')[0]
    assert "Retired one" not in tree
    assert re.search(r'<input[^>]*class="rd-tree-picker__search"', tree)
    # The picker's behaviour comes from a file of our origin (CSP): no script, no handler inline.
    assert re.search(r'<script src="[^"]*redress/tree-picker\.js" defer></script>', page)
    assert "<script" not in tree and not re.search(r"\son[a-z]+=", tree)


def test_a_form_coming_back_keeps_the_chosen_category_ticked_and_its_branch_open(org, agent):
    parent = Category.objects.create(code="tree-parent", name="After-sales")
    child = Category.objects.create(code="tree-child", name="Battery pack", parent=parent)
    data = intake_data(org, category=str(child.pk), customer_phone="not a phone")
    page = as_user(agent).post(START_URL, data).content.decode()
    assert re.search(rf'id="id_category_{child.pk}"[^>]*checked|checked[^>]*id="id_category_{child.pk}"', page)
    assert re.search(r'aria-expanded="true"[^>]*>\s*<button', page) or 'aria-expanded="true"' in page
    assert "After-sales / Battery pack" in page  # the chosen path, named


def test_no_category_chosen_is_said_in_the_picker(org, agent):
    page = as_user(agent).post(START_URL, intake_data(org, category=None)).content.decode()
    tree = page.split('data-tree-picker="category"')[1].split("</fieldset>")[0]
    assert "rd-tree-picker__error" in tree and "This field is required." in tree
