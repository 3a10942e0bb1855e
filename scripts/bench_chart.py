"""Draws the benchmark chart of docs/performance.md from the recorded figures.

    python scripts/bench_chart.py           # writes docs/images/benchmarks.svg
    python scripts/bench_chart.py --check   # exit 1 when the SVG is not what the data gives

The figures are in `benchmarks/results.tsv`, written by one run of
`python benchmarks/python/bench_core.py --record benchmarks/results.tsv` (the file's header
names that command, the date, the machine and its load). Each row is drawn as a
bar on a logarithmic time axis, with its plain baseline (a nested dict read, a plain call,
an uncontended lock) as a thinner bar beneath it and its target as a red mark. The SVG is
plain text with no script and no external reference, so the site shows it as an image.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "results.tsv"
CHART = ROOT / "docs" / "images" / "benchmarks.svg"

WIDTH = 860
LABEL_WIDTH = 330
ROW_HEIGHT = 34
TOP = 58
AXIS_FROM, AXIS_TO = 1.0, 10_000.0  # nanoseconds, the logarithmic axis' ends
MEASURED, BASELINE, TARGET, INK, GRID = "#3f51b5", "#b0b7d8", "#d32f2f", "#263238", "#e0e0e0"


class Row(NamedTuple):
    """One figure: its label, the measured time, its baseline and its target (ns)."""

    group: str
    label: str
    measured: float
    baseline: float | None
    baseline_label: str
    target: float | None


def read_rows(path: Path) -> list[Row]:
    """The rows of the data file (tab-separated; `#` lines are comments; `-` is none)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 6:
            raise SystemExit(f"{path}:{number}: expected 6 tab-separated columns, got {len(cells)}")
        if cells[0] == "group":
            continue  # the column names

        def number_or_none(cell: str) -> float | None:
            return None if cell == "-" else float(cell)

        group, label, measured, baseline, baseline_label, target = cells
        rows.append(
            Row(
                group,
                label,
                float(measured),
                number_or_none(baseline),
                baseline_label,
                number_or_none(target),
            )
        )
    if not rows:
        raise SystemExit(f"{path}: no figures")
    return rows


def x_of(ns: float) -> float:
    """The horizontal position of a time on the logarithmic axis."""
    span = math.log10(AXIS_TO) - math.log10(AXIS_FROM)
    share = (math.log10(max(ns, AXIS_FROM)) - math.log10(AXIS_FROM)) / span
    return LABEL_WIDTH + share * (WIDTH - LABEL_WIDTH - 20)


def shown(ns: float) -> str:
    """A time as the docs write it: `3.6 ns`, `916 ns`, `1.2 µs`."""
    if ns >= 1000:
        return f"{ns / 1000:.2g} µs"
    return f"{ns:.3g} ns"


def render(rows: list[Row]) -> str:
    """The SVG text of the chart."""
    groups = list(dict.fromkeys(row.group for row in rows))
    height = TOP + (len(rows) + len(groups)) * ROW_HEIGHT + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13" '
        'role="img" aria-labelledby="title">',
        '<title id="title">Benchmark figures: measured time per operation against the '
        "target, logarithmic scale</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold" fill="{INK}">'
        "Time per operation (logarithmic scale)</text>",
        f'<rect x="10" y="34" width="12" height="10" fill="{MEASURED}"/>'
        f'<text x="27" y="43" fill="{INK}">measured</text>'
        f'<rect x="100" y="36" width="12" height="6" fill="{BASELINE}"/>'
        f'<text x="117" y="43" fill="{INK}">plain-code baseline</text>'
        f'<rect x="255" y="32" width="3" height="14" fill="{TARGET}"/>'
        f'<text x="263" y="43" fill="{INK}">target</text>',
    ]
    bottom = height - 34
    decade = AXIS_FROM
    while decade <= AXIS_TO:
        x = x_of(decade)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{INK}">'
            f"{escape(shown(decade))}</text>"
        )
        decade *= 10
    y = TOP
    for group in groups:
        out.append(
            f'<text x="10" y="{y + 20}" font-weight="bold" fill="{INK}">{escape(group)}</text>'
        )
        y += ROW_HEIGHT
        for row in (r for r in rows if r.group == group):
            left = x_of(AXIS_FROM)
            out.append(
                f'<text x="22" y="{y + 14}" fill="{INK}">{escape(row.label)}</text>'
                f'<rect x="{left:.1f}" y="{y + 3}" width="{x_of(row.measured) - left:.1f}" '
                f'height="13" fill="{MEASURED}"/>'
                f'<text x="{x_of(row.measured) + 5:.1f}" y="{y + 14}" fill="{INK}">'
                f"{escape(shown(row.measured))}</text>"
            )
            if row.baseline is not None:
                out.append(
                    f'<rect x="{left:.1f}" y="{y + 19}" width="{x_of(row.baseline) - left:.1f}" '
                    f'height="6" fill="{BASELINE}"><title>{escape(row.baseline_label)}: '
                    f"{escape(shown(row.baseline))}</title></rect>"
                    f'<text x="22" y="{y + 28}" font-size="10" fill="#607d8b">'
                    f"baseline: {escape(row.baseline_label)} {escape(shown(row.baseline))}</text>"
                )
            if row.target is not None:
                out.append(
                    f'<rect x="{x_of(row.target) - 1.5:.1f}" y="{y}" width="3" height="28" '
                    f'fill="{TARGET}"><title>target: {escape(shown(row.target))}</title></rect>'
                )
            y += ROW_HEIGHT
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Writes the chart, or with `--check` compares it with what the data gives."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the SVG is current")
    args = parser.parse_args(argv)
    svg = render(read_rows(DATA))
    if args.check:
        current = CHART.read_text(encoding="utf-8") if CHART.is_file() else ""
        if current != svg:
            print(f"{CHART} is not what {DATA} gives: run scripts/bench_chart.py", file=sys.stderr)
            return 1
        return 0
    CHART.parent.mkdir(parents=True, exist_ok=True)
    CHART.write_text(svg, encoding="utf-8")
    print(f"wrote {CHART.relative_to(ROOT)} ({len(svg)} bytes) from {DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
