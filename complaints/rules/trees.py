"""Trees stored as parent links (departments, categories): walks over plain {id: parent_id} maps."""

from collections.abc import Iterable, Mapping


def subtree_ids(parents: Mapping[int, int | None], roots: Iterable[int]) -> set[int]:
    """Rule: the roots and every node below them; a loop in the data ends the walk.

    Example: subtree_ids({1: None, 2: 1, 3: 2, 4: None}, [2]) == {2, 3}
    Why: a department sees the complaints of every department below it; a category's forms,
    rules and filters cover its subcategories.
    """
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in parents.items():
        children.setdefault(parent_id, []).append(pk)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        stack.extend(children.get(pk, []))
    return seen


def path_to_root(parents: Mapping[int, int | None], pk: int) -> list[int]:
    """Rule: the node and its ancestors, nearest first; a loop in the data ends the walk.

    Example: path_to_root({1: None, 2: 1, 3: 2}, 3) == [3, 2, 1]
    """
    path: list[int] = []
    node: int | None = pk
    while node is not None and node in parents and node not in path:
        path.append(node)
        node = parents[node]
    return path
