"""Bar charts drawn on the server as SVG geometry: no script, no CDN, readable offline.

The template turns a BarChart into <rect> and <text> elements; widths are attributes (not
inline styles), so the Content-Security-Policy needs no 'unsafe-inline'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROW_HEIGHT = 22
LABEL_WIDTH = 220
BAR_WIDTH = 400
VALUE_WIDTH = 80


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int
    href: str | None = None


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    row_height: int = ROW_HEIGHT


def bar_chart(
    title: str, items: Iterable[tuple[str, int] | tuple[str, int, str | None]], limit: int = 25
) -> BarChart:
    """Horizontal bars, longest first as given, scaled to the largest value."""
    rows = list(items)[:limit]
    top = max((row[1] for row in rows), default=0) or 1
    bars = tuple(
        Bar(
            label=row[0],
            value=row[1],
            y=index * ROW_HEIGHT,
            width=max(1, round(BAR_WIDTH * row[1] / top)) if row[1] else 0,
            href=row[2] if len(row) > 2 else None,  # type: ignore[misc]
        )
        for index, row in enumerate(rows)
    )
    return BarChart(title=title, bars=bars, height=max(len(bars), 1) * ROW_HEIGHT)
