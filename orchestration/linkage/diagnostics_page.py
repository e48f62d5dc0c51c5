"""The linkage diagnostics page: counts, a source-by-source link-rate heatmap, a trend of
the key figures across nights. One self-contained HTML file (inline style and SVG; nothing
loaded from another host), counts and rates only.

The page used to list every pair of sources as a row (480 rows, 12,579 px tall on the demo
city); a grid of sources shows the same rates on one screen, and the shape (a source that
links to nothing, one that suddenly links less) at a glance. Across nights, each source's
row becomes one line, and a pair that moved suddenly since the night before is outlined.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

# Figures of linkage.run_metrics drawn as a trend, with what they are called on the page.
TREND_FIGURES = {
    "records": "records",
    "persons": "persons",
    "records_per_person": "records per person",
    "share_in_two_or_more_sources": "share of persons in two or more sources",
    "max_profiles_in_a_cluster": "largest person (profiles)",
}
TREND_NIGHTS = 30
# A pair's rate moving this much (share of persons) from one night to the next is marked:
# a source that suddenly links less usually means a changed extract, not changed people.
SUDDEN_CHANGE = 0.05

_STYLE = """body{font-family:sans-serif;margin:2em;max-width:75em}
td,th{padding:2px 6px;border:1px solid #ddd;font-size:12px}
table{border-collapse:collapse;margin-bottom:1.5em}
.heat td{width:2.2em;text-align:center}
.heat th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
.heat th.row{text-align:right;white-space:nowrap}
.heat td.moved{outline:2px solid #d4351c;outline-offset:-2px}
.moved-text{color:#d4351c;font-weight:bold}
svg{vertical-align:middle}"""


def _e(value: object) -> str:
    return html.escape(str(value))


def link_rate_matrix(
    pair_link_rates: Mapping[str, float],
) -> tuple[list[str], dict[tuple[str, str], float]]:
    """Sources in order, and (A, B) -> share of A's persons also in B, from "A|B" keys."""
    rates = {tuple(k.split("|", 1)): v for k, v in pair_link_rates.items()}
    sources = sorted({s for pair in rates for s in pair})
    return sources, rates  # type: ignore[return-value]


def _cell_colour(rate: float) -> str:
    # White at 0, dark blue at 1; text turns white where the blue gets dark.
    lightness = 100 - round(65 * min(max(rate, 0.0), 1.0))
    text = "#fff" if lightness < 60 else "#000"
    return f"background:hsl(212,70%,{lightness}%);color:{text}"


def heatmap_html(
    pair_link_rates: Mapping[str, float], previous: Mapping[str, float] | None = None
) -> str:
    """A table: one row and one column per source, each cell the share of the row source's
    persons also found in the column source (percent, shaded). With the previous night's
    rates, a cell that moved by SUDDEN_CHANGE or more is outlined and says from what."""
    sources, rates = link_rate_matrix(pair_link_rates)
    if not sources:
        return "<p>No persons are held by two sources.</p>"
    _, before = link_rate_matrix(previous or {})
    head = "".join(f'<th class="col">{_e(s)}</th>' for s in sources)
    body = []
    for a in sources:
        cells = []
        for b in sources:
            if a == b:
                cells.append('<td style="background:#eee"></td>')
                continue
            rate = rates.get((a, b), 0.0)
            title = f"{a} persons also in {b}: {rate:.1%}"
            moved = ""
            if previous is not None and abs(rate - before.get((a, b), 0.0)) >= SUDDEN_CHANGE:
                moved = ' class="moved"'
                title += f" (last night {before.get((a, b), 0.0):.1%})"
            cells.append(
                f'<td{moved} style="{_cell_colour(rate)}" title="{_e(title)}">'
                f"{round(100 * rate)}</td>"
            )
        body.append(f'<tr><th class="row">{_e(a)}</th>{"".join(cells)}</tr>')
    return f'<table class="heat"><tr><th></th>{head}</tr>{"".join(body)}</table>'


def source_link_rates(pair_link_rates: Mapping[str, float]) -> dict[str, float]:
    """Per source, the mean share of its persons found in each other source (its heatmap
    row in one number: a source that stops linking shows as a drop)."""
    sources, rates = link_rate_matrix(pair_link_rates)
    others = max(len(sources) - 1, 1)
    return {a: sum(rates.get((a, b), 0.0) for b in sources if b != a) / others for a in sources}


def source_trend_html(nights: Sequence[Mapping]) -> str:
    """One row per source: its mean link rate across nights (oldest first) as a line,
    tonight's value and the change from the night before, marked when sudden."""
    series = [source_link_rates(n.get("pair_link_rates") or {}) for n in nights]
    sources = sorted({s for night in series for s in night})
    if not sources:
        return "<p>No link rates recorded yet.</p>"
    rows = []
    for source in sources:
        values = [night[source] for night in series if source in night]
        change = values[-1] - values[-2] if len(values) > 1 else 0.0
        text = f"{100 * change:+.1f} points" if len(values) > 1 else ""
        mark = ' class="moved-text"' if abs(change) >= SUDDEN_CHANGE else ""
        rows.append(
            f"<tr><td>{_e(source)}</td><td>{sparkline_svg(values, height=20)}</td>"
            f"<td>{100 * values[-1]:.1f}%</td><td{mark}>{text}</td></tr>"
        )
    head = (
        f"<tr><th>source</th><th>last {len(nights)} nights</th><th>tonight</th><th>change</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def sparkline_svg(values: Sequence[float], width: int = 160, height: int = 28) -> str:
    """An inline SVG line of `values` (oldest first), scaled to its own range."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline fill="none" stroke="#1f5fa8" stroke-width="1.5" points="{points}"/></svg>'
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def trend_html(nights: Sequence[Mapping]) -> str:
    """One row per key figure: a line across nights (oldest first), the latest value and
    its change from the night before. `nights` are linkage.run_metrics' metrics."""
    if not nights:
        return "<p>No nights recorded yet.</p>"
    rows = []
    for key, label in TREND_FIGURES.items():
        values = [float(n[key]) for n in nights if n.get(key) is not None]
        if not values:
            continue
        change = f"{values[-1] - values[-2]:+,.4g}" if len(values) > 1 else ""
        rows.append(
            f"<tr><td>{_e(label)}</td><td>{sparkline_svg(values)}</td>"
            f"<td>{_number(values[-1])}</td><td>{change}</td></tr>"
        )
    head = (
        f"<tr><th>figure</th><th>last {len(nights)} nights</th><th>tonight</th><th>change</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def diagnostics_page(summary: Mapping, nights: Sequence[Mapping]) -> str:
    """The whole page for one run's summary and the nights' metrics up to it."""
    counts = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in summary.get("counts", {}).items()
    )
    by_profiles = summary.get("cluster_sizes", {}).get("persons_by_distinct_profile_count", {})
    sizes = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in by_profiles.items())
    rates = summary.get("link_rates", {}).get("pair_link_rates", {})
    # nights ends with tonight's metrics: the one before is the comparison.
    previous = nights[-2].get("pair_link_rates") if len(nights) > 1 else None
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Person linkage diagnostics</title><style>{_STYLE}</style></head><body>
<h1>Person linkage diagnostics</h1><p>Run {_e(summary.get("run_id"))}.
Model {_e(summary.get("model"))}.</p>
<p><a href="match_weights_chart.html">Match weights</a> |
<a href="m_u_parameters_chart.html">m and u parameters</a> |
<a href="accuracy.html">Accuracy against the truth</a> |
Restricted: <a href="restricted/comparison_viewer.html">comparison viewer</a>,
<a href="restricted/cluster_studio.html">cluster studio</a></p>
<h2>Key figures across nights</h2>{trend_html(nights)}
<h2>Link rates between sources</h2>
<p>Percent of the row source's persons also found in the column source; outlined where it
moved by {round(100 * SUDDEN_CHANGE)} points or more since the night before.</p>
{heatmap_html(rates, previous)}
<h2>Link rates by source across nights</h2>
<p>Each source's mean share of persons also found in another source (its row above).</p>
{source_trend_html(nights)}
<h2>Counts</h2><table>{counts}</table>
<h2>Persons by number of distinct profiles</h2><table><tr><th>profiles</th><th>persons</th></tr>
{sizes}</table>
</body></html>"""
