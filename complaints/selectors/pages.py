"""Pages of a list read without counting it: the staff worklists, the managers' list and the API's
task lists page through the same paginator."""

from collections.abc import Callable
from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.utils.functional import cached_property

from complaints.selectors.together import read_together

# The largest LIMIT/OFFSET PostgreSQL takes (a bigint): a page number past it is past the end.
OFFSET_MAX = 2**63 - 1


class PeekPaginator(Paginator):
    """Pages a list without counting it: the page's own query reads one row more than the page
    (`LIMIT 26 OFFSET …`), which says whether there is a next page; the summary then reads
    "1–25 of 25+" (templates/viewflow/includes/list_pagination.html), and the page that reaches
    the end knows its total ("26–27 of 27"). viewflow's pager has only previous/next, so nothing
    needs more; the menu badges give the inbox, queue and breached totals. A count, even capped a
    few pages ahead, walked its index and the filters' joins again (1–2 ms per page at 1,000,000
    complaints, 40 ms with the category filter, where its cost estimate set off JIT compilation).
    Only when a page is asked for by name ("last") is the list counted, as far as FALLBACK_PAGES."""

    FALLBACK_PAGES = 4

    def __init__(
        self,
        *args: Any,
        branches: Callable[[Any], list[Any]] | None = None,
        along: Callable[[], list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.branches = branches
        self.along = along

    def page(self, number: Any) -> Any:
        number = self.validate_number(number) if "count" in self.__dict__ else self._number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page + 1
        merged = self._merged(top)
        if bottom:
            # Past the first page, the page's ids are chosen first: the rows above it are walked for
            # their order alone, not joined for their other columns nor annotated (their last
            # activity: page 20 of the API's queue spent 13 of its 33 ms on the 950 rows above it).
            listed: Any = self.object_list
            sliced = listed.filter(pk__in=merged.values("pk")[bottom:top])[: top - bottom]
        else:
            sliced = merged[:top]
        if self.along is not None:  # the page's other reads, in the same round trip as its rows
            read_together([sliced, *self.along()])
        rows = list(sliced)
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        self.more = len(rows) > self.per_page
        self.__dict__["count"] = bottom + len(rows)  # what the summary and has_next read
        return self._get_page(rows[: self.per_page], number, self)  # type: ignore[attr-defined]

    def _merged(self, limit: int) -> Any:
        """The list, narrowed to the first `limit` rows (in the list's order) of each of its parts
        (`branches`: disjoint parts covering the list, each of which PostgreSQL reads in that order
        from an index, such as the user's queues; their rows' ids): one query, each part's index read
        as far as the page, where one walk in the list's order would pass every other queue's rows
        first. A part's rows that the list's conditions drop (a flow the user may not view) leave
        the page short, never show more."""
        rows: Any = self.object_list
        parts = self.branches(rows) if self.branches else []
        # One part (one queue) is read as the list itself; so is every part on a database that takes
        # no LIMIT inside a UNION (SQLite, the embedded demo database: the same rows).
        if len(parts) < 2 or not connections[rows.db].features.supports_slicing_ordering_in_compound:
            return rows
        firsts = [part.values("pk")[:limit] for part in parts]
        return rows.filter(pk__in=firsts[0].union(*firsts[1:], all=True))

    def _number(self, number: Any) -> int:
        try:
            value = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if value * self.per_page + 1 > OFFSET_MAX:  # no list is that long; the database would refuse the offset
            raise EmptyPage(self.error_messages["no_results"])
        return value

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # only before page(): "last" asked for; counted a few pages far
        counted = int(rows.values("pk")[: self.FALLBACK_PAGES * self.per_page + 1].count())
        self.more = counted > self.FALLBACK_PAGES * self.per_page
        return counted

    @property
    def capped(self) -> bool:
        """More rows exist past the ones read: the summary says "N+"."""
        return bool(getattr(self, "more", False))

    @property
    def counted(self) -> int:
        """The rows the summary can vouch for: up to the end of this page when there are more."""
        return self.count - 1 if self.capped else self.count
