"""The intake's category picker: the categories as a tree of radio buttons (one per category,
nested under its parent), with a search box. Without a script it is a plain radio group that
submits like the select it replaces; static/redress/tree-picker.js (no inline code: the page's
CSP allows scripts from our origin only) filters it as the user types and folds branches."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from django import forms
from django.utils.translation import gettext as _
from viewflow.forms.renderers import LayoutNode


@dataclass
class Node:
    pk: int
    name: str
    code: str
    children: list["Node"] = field(default_factory=list)


def category_tree(rows: Sequence[tuple[int, int | None, str, str]]) -> list[Node]:
    """The forest of (pk, parent pk, name, code) rows, in the rows' order; a row whose parent is not
    among them (retired) is a root, so no offered category is unreachable.

    Example: [(1, None, "After-sales", "a"), (2, 1, "Battery", "b")] is one root with one child."""
    nodes = {pk: Node(pk, name, code) for pk, _parent, name, code in rows}
    roots = []
    for pk, parent, _name, _code in rows:
        if parent is not None and parent in nodes and parent != pk:
            nodes[parent].children.append(nodes[pk])
        else:
            roots.append(nodes[pk])
    return roots


class CategoryTree(LayoutNode):
    """viewflow layout node for a ModelChoiceField of categories: the tree picker in place of the
    field's select (same name, same values, same errors)."""

    def __init__(self, field_name: str = "category") -> None:
        self.field_name = field_name
        super().__init__()

    def append(self, layout: Any, form: forms.BaseForm, root: ElementTree.Element) -> None:
        bound = form[self.field_name]
        choice_field = bound.field
        assert isinstance(choice_field, forms.ModelChoiceField)
        queryset = choice_field.queryset
        rows = list(queryset.values_list("pk", "parent_id", "name", "code")) if queryset is not None else []
        value = str(bound.value() or "")
        chosen = {str(pk) for pk, *_rest in rows if str(pk) == value}
        ancestors = _ancestors(rows, value)
        cell = ElementTree.SubElement(
            root, "div", {"class": "mdc-layout-grid__cell mdc-layout-grid__cell--span-12 rd-tree-cell"}
        )
        box = ElementTree.SubElement(
            cell,
            "fieldset",
            {
                "class": "rd-tree-picker" + (" rd-tree-picker--invalid" if bound.errors else ""),
                "data-tree-picker": self.field_name,
                "id": f"rd-tree-{self.field_name}",
            },
        )
        legend = ElementTree.SubElement(box, "legend", {"class": "rd-tree-picker__legend"})
        legend.text = str(bound.label)
        if choice_field.required:
            legend.set("data-required", "1")
        search = ElementTree.SubElement(
            box,
            "input",
            {
                "type": "search",
                "class": "rd-tree-picker__search",
                "placeholder": _("Search categories"),
                "aria-label": _("Search categories"),
                "autocomplete": "off",
                "hidden": "hidden",  # shown by the script, which makes it work
            },
        )
        search.tail = ""
        chosen_line = ElementTree.SubElement(box, "p", {"class": "rd-tree-picker__chosen", "aria-live": "polite"})
        chosen_line.text = " / ".join(_path(rows, value)) if chosen else ""
        tree = ElementTree.SubElement(box, "ul", {"class": "rd-tree", "role": "tree"})
        for node in category_tree(rows):
            self._node(tree, node, bound, value, ancestors, required=choice_field.required)
        empty = ElementTree.SubElement(box, "p", {"class": "rd-tree-picker__empty rd-muted", "hidden": "hidden"})
        empty.text = _("No category matches.")
        for error in bound.errors:
            problem = ElementTree.SubElement(box, "p", {"class": "rd-tree-picker__error", "role": "alert"})
            problem.text = str(error)
        if bound.help_text:
            helper = ElementTree.SubElement(box, "p", {"class": "rd-tree-picker__help rd-muted"})
            helper.text = str(bound.help_text)

    def _node(
        self,
        parent: ElementTree.Element,
        node: Node,
        bound: forms.BoundField,
        value: str,
        ancestors: set[str],
        *,
        required: bool,
    ) -> None:
        item = ElementTree.SubElement(
            parent,
            "li",
            {
                "class": "rd-tree__item",
                "role": "treeitem",
                "data-search": f"{node.name} {node.code}".lower(),
            },
        )
        if node.children:
            item.set("aria-expanded", "true" if str(node.pk) in ancestors else "false")
            toggle = ElementTree.SubElement(
                item, "button", {"type": "button", "class": "rd-tree__toggle", "aria-label": _("Show or hide")}
            )
            toggle.text = "▸"
        label = ElementTree.SubElement(item, "label", {"class": "rd-tree__label"})
        radio = ElementTree.SubElement(
            label,
            "input",
            {"type": "radio", "name": bound.html_name, "value": str(node.pk), "id": f"id_{bound.html_name}_{node.pk}"},
        )
        if required:
            radio.set("required", "required")
        if str(node.pk) == value:
            radio.set("checked", "checked")
        radio.tail = " " + node.name
        if node.children:
            group = ElementTree.SubElement(item, "ul", {"class": "rd-tree__group", "role": "group"})
            for child in node.children:
                self._node(group, child, bound, value, ancestors, required=required)


def _ancestors(rows: Sequence[tuple[int, int | None, str, str]], value: str) -> set[str]:
    """The pks (as text) above the chosen category: their branches open."""
    parents = {str(pk): (str(parent) if parent is not None else None) for pk, parent, _name, _code in rows}
    found: set[str] = set()
    current = parents.get(value)
    while current and current not in found:
        found.add(current)
        current = parents.get(current)
    return found


def _path(rows: Sequence[tuple[int, int | None, str, str]], value: str) -> list[str]:
    names = {str(pk): name for pk, _parent, name, _code in rows}
    parents = {str(pk): (str(parent) if parent is not None else None) for pk, parent, _name, _code in rows}
    path: list[str] = []
    current: str | None = value
    while current and current in names and names[current] not in path:
        path.insert(0, names[current])
        current = parents.get(current)
    return path
