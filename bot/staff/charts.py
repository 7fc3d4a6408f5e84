"""Horizontal bar charts drawn on the server as SVG (the staff pages run no script of ours for them).

A chart is its data: the page draws each `Bar` as a labelled rectangle inside an `<svg role="img">`
named by its `<title>` and described by its `<desc>`, and prints the same rows in a table next to it,
so a screen-reader user or a keyboard user reads the figures, not the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.staff.analytics import AnalyticsReport

WIDTH = 640
LABEL_WIDTH = 220
VALUE_WIDTH = 80
ROW = 26
BAR = 18
LABEL_CHARS = 30


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # in full (the table)
    short: str  # as drawn
    shown: str  # the value as printed
    y: float
    width: float


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    description: str
    headers: tuple[str, str]
    bars: tuple[Bar, ...]
    height: int
    label_width: int = LABEL_WIDTH
    width: int = WIDTH
    bar_height: int = BAR

    @property
    def value_x(self) -> int:
        return self.width - VALUE_WIDTH + 6


def bar_chart(
    id: str,
    title: str,
    headers: tuple[str, str],
    rows: Sequence[tuple[str, float, str]],
    scale: float | None = None,
) -> Chart:
    """`rows`: (label, value, value as printed). Bars are scaled to `scale` or to the largest value."""
    top = scale if scale is not None else max((v for _, v, _ in rows), default=0.0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = tuple(
        Bar(
            label,
            label if len(label) <= LABEL_CHARS else f"{label[: LABEL_CHARS - 1]}…",
            shown,
            8 + i * ROW,
            round(room * value / top, 1) if top > 0 else 0.0,
        )
        for i, (label, value, shown) in enumerate(rows)
    )
    if bars:
        most = max(rows, key=lambda r: r[1])
        description = (
            f"{len(bars)} bars; the largest is {most[0]}: {most[2]}. "
            "The table after the chart lists every value."
        )
    else:
        description = "No data in this period."
    return Chart(id, title, description, headers, bars, 16 + max(len(bars), 1) * ROW)


def _percent(rate: float | None) -> str:
    return "no data" if rate is None else f"{rate * 100:.1f}%"


def report_charts(report: AnalyticsReport) -> list[Chart]:
    """Questions per day (per week beyond 31 days), status mix, rates, top documents, latency."""
    if report.days <= 31:
        per = [(d.day.isoformat(), float(d.turns), str(d.turns)) for d in report.per_day]
        unit = "day"
    else:
        weeks: dict[str, int] = {}
        first = report.per_day[0].day if report.per_day else None
        for d in report.per_day:
            assert first is not None
            start = first + timedelta(days=(d.day - first).days // 7 * 7)
            weeks[f"week of {start.isoformat()}"] = weeks.get(f"week of {start.isoformat()}", 0) + d.turns
        per = [(k, float(v), str(v)) for k, v in weeks.items()]
        unit = "week"
    latency = report.latency
    return [
        bar_chart("chart-questions", f"Questions per {unit}", (unit.capitalize(), "Questions"), per),
        bar_chart(
            "chart-statuses",
            "Status mix",
            ("Status", "Questions"),
            [
                (s.status.replace("_", " "), float(s.turns), f"{s.turns} ({s.share * 100:.1f}%)")
                for s in report.statuses
            ],
        ),
        bar_chart(
            "chart-rates",
            "Helpful rate and handoff rate",
            ("Rate", "Value"),
            [
                (
                    f"Helpful ({report.helpful} of {report.helpful + report.unhelpful} verdicts)",
                    (report.helpful_rate or 0.0),
                    _percent(report.helpful_rate),
                ),
                (
                    f"Handed off ({report.handed_off} of {report.conversations} conversations)",
                    (report.handoff_rate or 0.0),
                    _percent(report.handoff_rate),
                ),
            ],
            scale=1.0,
        ),
        bar_chart(
            "chart-documents",
            "Top documents cited",
            ("Document", "Answers citing it"),
            [(d.title, float(d.answers), str(d.answers)) for d in report.top_documents],
        ),
        bar_chart(
            "chart-latency",
            f"Answer time ({latency.measured} timed questions)",
            ("Figure", "Milliseconds"),
            [
                (name, value or 0.0, "no data" if value is None else f"{value:.0f} ms")
                for name, value in (("Median", latency.median_ms), ("95th percentile", latency.p95_ms))
            ],
        ),
    ]
