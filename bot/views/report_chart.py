"""A report's chart as a PNG (matplotlib, the Agg backend): hours per week stacked billable /
non-billable when the report is not grouped, else the top groups as horizontal bars, the
same split. Drawn for Slack's preview (1200 x 675 px, type at 10 to 15 pt: readable at the
~360 px the preview shows, sharp when opened).

A pure function of the outbox payload's numbers (``bot.services.report.publish``). matplotlib
is imported by the first chart drawn, not with the module (a few hundred ms, once a process),
and only through its object API (``Figure``): pyplot's global state is not thread-safe, and
the outbox sender draws on its own thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

BILLABLE, OTHER = "#2EB67D", "#B8BCC2"  # Slack's green; a grey that reads as "the rest"
INK, FAINT = "#1D1C1D", "#616061"
WIDTH, HEIGHT, DPI = 8.0, 4.5, 150  # inches: 1200 x 675 px


@dataclass(frozen=True)
class Chart:
    first: date
    last: date
    grouping: str | None
    labels: list[str]  # by week: each Monday (ISO); else each group's name, most hours first
    billable: list[float]  # hours
    other: list[float]
    more: int  # groups not drawn
    everyone: bool
    person: str | None
    client: str | None
    project: str | None
    hours: float
    billable_hours: float
    filename: str

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Chart:
        return cls(
            date.fromisoformat(data["first"]), date.fromisoformat(data["last"]), data.get("grouping"),
            [str(x) for x in data["labels"]], [float(x) for x in data["billable"]],
            [float(x) for x in data["other"]], int(data.get("more") or 0), bool(data.get("everyone")),
            data.get("person"), data.get("client"), data.get("project"), float(data.get("hours") or 0),
            float(data.get("billable_hours") or 0), str(data.get("filename") or "report.png"),
        )  # fmt: skip

    @property
    def title(self) -> str:
        by = f"by {self.grouping.replace('-', ' ')}" if self.grouping else "per week"
        return f"Hours {by}, {_period(self.first, self.last)}"

    @property
    def subtitle(self) -> str:
        said = whose(self.everyone, self.person, self.client, self.project)
        said[0] = said[0][:1].upper() + said[0][1:]
        share = f"{self.billable_hours / self.hours:.0%} billable" if self.hours else "nothing tracked"
        said.append(f"{self.hours:,.2f} h in all, {share}")
        if self.more:
            said.append(f"top {len(self.labels)} shown, {self.more} more in the CSV")
        return " · ".join(said)


def whose(everyone: bool, person: str | None, client: str | None, project: str | None) -> list[str]:
    """Whose time a report is and how it is filtered, in words (plain text: the summary
    escapes them for mrkdwn)."""
    said = [(f"{person}'s time" if person else "everyone's time") if everyone else "your time"]
    if client:
        said.append(f"client {client}")
    if project:
        said.append(f"project {project}")
    return said


def _period(first: date, last: date) -> str:
    if (
        first.day == 1
        and (last + timedelta(days=1)).day == 1
        and (first.year, first.month) == (last.year, last.month)
    ):
        return first.strftime("%B %Y")
    if first == last:
        return first.strftime("%-d %b %Y")
    start = first.strftime("%-d %b" if first.year == last.year else "%-d %b %Y")
    return f"{start} – {last.strftime('%-d %b %Y')}"


def _plain(text: str) -> str:
    """matplotlib reads ``$...$`` as mathematics: a name's dollar signs stay dollar signs."""
    return text.replace("$", r"\$")


def png(chart: Chart) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    ax = _week_axes(figure, chart) if chart.grouping is None else _group_axes(figure, chart)
    figure.text(0.02, 0.955, _plain(chart.title), fontsize=15, fontweight="bold", color=INK, va="top")
    figure.text(0.02, 0.885, _plain(chart.subtitle), fontsize=10, color=FAINT, va="top")
    if chart.grouping is None:
        _weeks(ax, chart)
    else:
        _groups(ax, chart)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#DDDDDD")
    ax.spines["bottom"].set_color("#DDDDDD")
    ax.tick_params(colors=INK, labelsize=10)
    # Under the subtitle, where no bar reaches.
    from matplotlib.patches import Patch

    keys = [Patch(facecolor=BILLABLE, label="Billable"), Patch(facecolor=OTHER, label="Non-billable")]
    figure.legend(handles=keys, loc="upper left", bbox_to_anchor=(0.012, 0.845), ncols=2,
                  frameon=False, fontsize=10, handlelength=1.4)  # fmt: skip
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


def partial_weeks(chart: Chart) -> list[int]:
    """The bars of weeks the period cuts (it starts after their Monday or ends before their
    Sunday): drawn hatched, so that a short bar does not read as a slow week."""
    mondays = [date.fromisoformat(label) for label in chart.labels]
    return [i for i, monday in enumerate(mondays)
            if monday < chart.first or monday + timedelta(days=6) > chart.last]  # fmt: skip


def _weeks(ax: Any, chart: Chart) -> None:
    """Stacked vertical bars, a week each (hatched: a week the period cuts); ticks thinned to
    at most ~12 labels."""
    positions = list(range(len(chart.labels)))
    low = ax.bar(positions, chart.billable, width=0.8, color=BILLABLE, label="Billable", zorder=2)
    high = ax.bar(positions, chart.other, width=0.8, bottom=chart.billable, color=OTHER, label="Non-billable",
                  zorder=2)  # fmt: skip
    cut = partial_weeks(chart)
    for i in cut:
        for bar in (low[i], high[i]):
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    step = max(1, -(-len(positions) // 12))
    ticks = positions[::step]
    ax.set_xticks(ticks, [date.fromisoformat(chart.labels[i]).strftime("%-d %b") for i in ticks])
    ax.set_xlim(-0.6, len(positions) - 0.4)
    said = "Week of (Monday)" + (" · hatched: part of the week is outside the period" if cut else "")
    ax.set_xlabel(said, fontsize=11, color=INK)
    ax.set_ylabel("Hours", fontsize=11, color=INK)
    ax.grid(axis="y", color="#EEEEEE", zorder=0)
    ax.yaxis.set_major_formatter(_thousands())
    ax.set_ylim(0, max([b + o for b, o in zip(chart.billable, chart.other, strict=True)] + [1.0]) * 1.1)


def _week_axes(figure: Any, chart: Chart) -> Any:
    """Room on the left for the hours' labels (40,000 takes six characters)."""
    most = max([b + o for b, o in zip(chart.billable, chart.other, strict=True)] + [1.0])
    left = 0.075 + 0.011 * len(f"{most * 1.1:,.0f}")
    return figure.add_axes((left, 0.14, 0.97 - left, 0.62))


def _group_axes(figure: Any, chart: Chart) -> Any:
    """Room on the left for the longest name (up to 28 characters)."""
    longest = max((len(_short(label)) for label in chart.labels), default=8)
    left = min(0.42, 0.06 + 0.0115 * longest)
    return figure.add_axes((left, 0.12, 0.93 - left, 0.64))


def _short(label: str) -> str:
    return label if len(label) <= 28 else label[:27] + "…"


def _groups(ax: Any, chart: Chart) -> None:
    """Horizontal bars, most hours on top, each with its total at the end."""
    positions = list(range(len(chart.labels)))[::-1]
    ax.barh(positions, chart.billable, height=0.7, color=BILLABLE, label="Billable", zorder=2)
    ax.barh(positions, chart.other, height=0.7, left=chart.billable, color=OTHER, label="Non-billable",
            zorder=2)  # fmt: skip
    ax.set_yticks(positions, [_plain(_short(label)) for label in chart.labels])
    totals = [b + o for b, o in zip(chart.billable, chart.other, strict=True)]
    widest = max(totals + [1.0])
    for y, total in zip(positions, totals, strict=True):
        ax.text(total + widest * 0.01, y, f"{total:,.1f} h", va="center", fontsize=9, color=FAINT)
    ax.set_xlim(0, widest * 1.15)
    ax.set_ylim(-0.6, max(len(positions), 1) - 0.4)
    ax.set_xlabel("Hours", fontsize=11, color=INK)
    ax.xaxis.set_major_formatter(_thousands())
    ax.grid(axis="x", color="#EEEEEE", zorder=0)


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}")
