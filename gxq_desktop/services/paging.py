"""One page of a long result, filtered and sorted in SQL (Tryton's limit/offset with a capped count).

Table models append pages as the user scrolls; the count is taken once, with the first page, and
capped so that counting a million rows never holds up the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 200
COUNT_CAP = 100_000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: tuple[T, ...]
    offset: int
    total: int | None  # rows matching, counted only with the first page (None on later pages)
    total_capped: bool = False  # True: there are at least ``total`` rows, maybe more

    @property
    def end(self) -> int:
        return self.offset + len(self.rows)


def capped_count(session: Session, stmt: Select[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Rows of ``stmt`` (without its ORDER BY), at most ``cap``; and whether the cap was hit."""
    inner = stmt.order_by(None).limit(cap + 1).subquery()
    n = session.scalar(select(func.count()).select_from(inner)) or 0
    return (cap, True) if n > cap else (n, False)


def check_page_args(offset: int, limit: int) -> tuple[int, int]:
    return max(0, int(offset)), max(1, min(int(limit), 5000))
