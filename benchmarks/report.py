"""The report of `benchmarks/run.py`: the markdown tables, the targets with their verdicts and
the chart, all drawn from the records the suites measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, NamedTuple

OURS = "hyperparameter"

SCENARIOS = {
    1: "Nested read of `model.layers.0.size`",
    2: "A read inside an injected function",
    3: "Scope enter + exit with one override",
    4: "A decorated 3-parameter call",
    5: "Writing n keys one by one (time per key)",
    6: "Import time (fresh interpreter)",
    7: "Thread scaling (time per read, over all threads)",
    8: "Config load and composition",
    9: "Rust and C++ (release builds; absolute times, no baseline)",
}


def duration(ns: float | None) -> str:
    """A time per operation in the unit that suits it."""
    if ns is None:
        return "—"
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns / 1e6:.1f} ms"


def times(value: float | None) -> str:
    """A ratio, as `2.31×`."""
    if value is None:
        return "—"
    return f"{value:.3g}×" if value < 1000 else f"{value:,.0f}×"


def cell(text: str) -> str:
    """Text as code in a markdown table cell."""
    return "`" + text.replace("|", "\\|") + "`"


class Records:
    """The records of one run, looked up by library and id."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.all = records

    def get(self, key: str, library: str = OURS, path: str | None = None) -> dict[str, Any] | None:
        """The first record of `library` with id `key` (and write path `path`)."""
        for record in self.all:
            if record["library"] == library and record["id"] == key:
                if path is None or record.get("path") == path:
                    return record
        return None


class Target:
    """A speed target: what it asks for, and how a run's records give its figure and verdict."""

    def __init__(self, name: str, goal: str, check: Callable[[Records], tuple[str, bool] | None]):
        self.name, self.goal, self.check = name, goal, check


def _ratio(key: str, limit: float) -> Callable[[Records], tuple[str, bool] | None]:
    def check(records: Records) -> tuple[str, bool] | None:
        found = records.get(key)
        if found is None or found["ratio"] is None:
            return None
        text = (
            f"{times(found['ratio'])} ({duration(found['ns'])} vs {duration(found['baseline_ns'])})"
        )
        return text, found["ratio"] <= limit

    return check


def _absolute(key: str, limit_ns: float, library: str = OURS) -> Callable[[Records], Any]:
    def check(records: Records) -> tuple[str, bool] | None:
        found = records.get(key, library)
        return None if found is None else (duration(found["ns"]), found["ns"] <= limit_ns)

    return check


def _missing(records: Records) -> tuple[str, bool] | None:
    present, missing = records.get("read.present"), records.get("read.missing")
    if present is None or missing is None:
        return None
    text = f"{duration(missing['ns'])} missing, {duration(present['ns'])} present"
    return text, missing["ns"] <= present["ns"]


def _call(records: Records) -> tuple[str, bool] | None:
    found = records.get("call.3")
    if found is None:
        return None
    added = found["ns"] - found["baseline_ns"]
    return (
        f"+{added:.0f} ns ({duration(found['ns'])} vs {duration(found['baseline_ns'])})",
        added <= 300,
    )


def write_ratios(records: Records, library: str = OURS) -> list[tuple[str, float, float]]:
    """Per write path of `library`: the time of writing 10 times as many keys over the time
    of the smaller count, and the same for its baseline (filling a dict)."""
    writes = [r for r in records.all if r["library"] == library and r["id"].startswith("write.")]
    sizes = sorted({int(r["id"].split(".")[1]) for r in writes})
    ratios = []
    for small in (r for r in writes if sizes and r["id"] == f"write.{sizes[0]}"):
        large = records.get(f"write.{sizes[-1]}", library, small["path"])
        if large is not None:
            scale = sizes[-1] / sizes[0]
            ratio = large["ns"] * scale / small["ns"]
            base = large["baseline_ns"] * scale / small["baseline_ns"]
            ratios.append((small["path"], ratio, base))
    return ratios


def _writes(records: Records) -> tuple[str, bool] | None:
    ratios = write_ratios(records)
    if not ratios:
        return None
    path, worst, base = max(ratios, key=lambda item: item[1])
    return f"{worst:.1f}× at worst (`{path}`; filling a dict: {base:.1f}×)", worst <= 10


def _import(records: Records) -> tuple[str, bool] | None:
    found = records.get("import")
    if found is None:
        return None
    added = (found["ns"] - found["baseline_ns"]) / 1e6
    return (
        f"+{added:.1f} ms ({duration(found['ns'])} vs {duration(found['baseline_ns'])})",
        added <= 8,
    )


def _threads(records: Records) -> tuple[str, bool] | None:
    one, two = records.get("threads.1"), records.get("threads.2")
    if one is None or two is None:
        return None
    scaling = one["ns"] / two["ns"]
    return f"{scaling:.2f}× the throughput of one thread", scaling >= 1.8


def _memory(records: Records, facts: dict[str, Any]) -> tuple[str, bool] | None:
    growth = facts.get("rss_growth_kib")
    if growth is None:
        return None
    return f"{growth} KiB over {facts['rss_cycles']:,} cycles", growth <= 256


TARGETS = [
    Target("4-level read, key present", "≤ 2× a nested dict read", _ratio("read.present", 2.0)),
    Target("4-level read, key missing (default)", "no slower than present", _missing),
    Target(
        "recording a read for `hp.report()`",
        "≤ 5% over the read unrecorded",
        _ratio("read.recording", 1.05),
    ),
    Target("`@hp.param` call, 3 parameters", "≤ 300 ns above a plain call", _call),
    Target(
        "scope enter + exit, 1 override", "≤ 1.5× a plain context manager", _ratio("scope.0", 1.5)
    ),
    Target(
        "... with 100,000 keys visible",
        "≤ 1.5× a plain context manager",
        _ratio("scope.100000", 1.5),
    ),
    Target("writing n keys one by one", "n × 10 costs ≤ 10×", _writes),
    Target("`import hyperparameter`", "≤ 8 ms over `python -c pass`", _import),
    Target("reads from 2 threads at once", "≥ 1.8× one thread's throughput", _threads),
    Target(
        "config load, 10,000 keys, 1,000 interpolations", "≤ 10 ms", _absolute("load.yaml", 10e6)
    ),
    Target("`hp.compose` of a 20-file tree", "≤ 5 ms", _absolute("compose.20", 5e6)),
    Target(
        "Rust: get of a compile-time key",
        "≤ 3.5 ns",
        _absolute("rust.get", 3.5, "hyperparameter (Rust)"),
    ),
    Target(
        "Rust: enter + set + exit",
        "≤ 25 ns",
        _absolute("rust.enter_set_exit", 25, "hyperparameter (Rust)"),
    ),
    Target(
        "C++: `GET_PARAM`, static library",
        "≤ 5 ns",
        _absolute("cpp.get.static", 5, "hyperparameter (C++, static)"),
    ),
]


def verdicts(records: list[dict[str, Any]], facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured figure and whether it is met (None: not measured)."""
    found = Records(records)
    rows = []
    for target in TARGETS:
        result = target.check(found)
        rows.append(_verdict(target.name, target.goal, result))
    rows.append(
        _verdict(
            "memory over 1,000,000 enter + exit", "no growth (≤ 256 KiB)", _memory(found, facts)
        )
    )
    return rows


def _verdict(name: str, goal: str, result: tuple[str, bool] | None) -> dict[str, Any]:
    measured, met = result if result else ("not measured in this run", None)
    return {"target": name, "goal": goal, "measured": measured, "met": met}


def markdown(document: dict[str, Any]) -> str:
    """The tables of a run: one per scenario, then the targets."""
    records = Records(document["records"])
    out: list[str] = []
    for scenario, title in SCENARIOS.items():
        rows = [r for r in records.all if r["scenario"] == scenario]
        skipped = [s for s in document["skipped"] if s["scenario"] == scenario]
        if not rows and not skipped:
            continue
        out += [f"### {scenario}. {title}", ""]
        if rows:
            out += [
                "| library | figure | time/op | baseline | × baseline | vs hyperparameter |",
                "|---|---|---|---|---|---|",
            ]
        for r in rows:
            ours = records.get(r["id"], OURS, r.get("path"))
            relative = None
            if r["library"] != OURS and ours and ours["ratio"] and r["ratio"] is not None:
                relative = r["ratio"] / ours["ratio"]
            baseline = (
                f"{duration(r['baseline_ns'])} {cell(r['baseline'])}" if r["baseline"] else "—"
            )
            out.append(
                f"| {r['library']} | {cell(r['figure'])} | {duration(r['ns'])} | {baseline}"
                f" | {times(r['ratio'])} | {times(relative)} |"
            )
        for s in skipped:
            out.append(f"\n{s['library']}, `{s['id']}` not measured: {s['reason']}.")
        out.append("")
    out += ["### Targets", "", "| target | goal | measured | verdict |", "|---|---|---|---|"]
    for row in verdicts(document["records"], document["facts"].get(OURS, {})):
        verdict = {True: "met", False: "**missed**", None: "—"}[row["met"]]
        out.append(f"| {row['target']} | {row['goal']} | {row['measured']} | {verdict} |")
    return "\n".join(out) + "\n"


class Bar(NamedTuple):
    """One bar of the chart."""

    label: str
    library: str
    ratio: float


# The figures the chart shows (the table has them all), with their short labels.
CHARTED = {
    "read.present": "present",
    "read.missing": "missing",
    "param.read": "",
    "scope.0": "",
    "scope.100000": "100,000 keys visible",
    "call.3": "",
    "import": "",
    "threads.2": "2 threads",
    "load.yaml": "load, 10,000 keys",
    "compose.20": "compose, 20 files",
}


def bars(records: list[dict[str, Any]]) -> dict[int, list[Bar]]:
    """The chart's bars, by scenario: ratio to baseline of the headline figures."""
    grouped: dict[int, list[Bar]] = {}
    largest = max((int(r["id"][6:]) for r in records if r["id"].startswith("write.")), default=0)
    for r in records:
        if r["ratio"] is None:
            continue
        if r["id"] in CHARTED:
            short = CHARTED[r["id"]]
        elif r["id"] == f"write.{largest}" and r.get("path") in (
            None,
            "hp.scope[k] = v",
            "ps[k] = v",
        ):
            short = f"{largest:,} keys, {r['path']}"
        else:
            continue
        label = f"{r['library']} ({short})" if short else r["library"]
        grouped.setdefault(r["scenario"], []).append(Bar(label, r["library"], r["ratio"]))
    return grouped


def chart(document: dict[str, Any], path: Path) -> None:
    """Writes the chart (PNG): per scenario, each library's ratio to its baseline, on a
    logarithmic axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rank = {"hyperparameter": 0, "hyperparameter (Python backend)": 1}
    grouped = {
        scenario: sorted(group, key=lambda b: (rank.get(b.library, 2), b.library))
        for scenario, group in sorted(bars(document["records"]).items())
    }
    libraries = sorted(
        {b.library for group in grouped.values() for b in group},
        key=lambda name: (not name.startswith(OURS), name),
    )
    colours = {name: plt.get_cmap("tab10")(i % 10) for i, name in enumerate(libraries)}
    heights = [len(group) + 1.2 for group in grouped.values()]
    figure, axes = plt.subplots(
        len(grouped),
        1,
        figsize=(9, 0.28 * sum(heights) + 1.2),
        gridspec_kw={"height_ratios": heights},
        sharex=True,
        squeeze=False,
    )
    for axis, (scenario, group) in zip(axes[:, 0], grouped.items()):
        positions = range(len(group))[::-1]
        axis.barh(
            list(positions), [b.ratio for b in group], color=[colours[b.library] for b in group]
        )
        axis.set_yticks(list(positions), [b.label for b in group], fontsize=8)
        axis.set_xscale("log")
        axis.axvline(1.0, color="#263238", linewidth=0.8)
        axis.set_title(
            f"{scenario}. {SCENARIOS[scenario].replace('`', '')}", fontsize=9, loc="left"
        )
        axis.tick_params(axis="x", labelsize=8)
        for position, b in zip(positions, group):
            axis.text(b.ratio, position, f" {times(b.ratio)}", va="center", fontsize=7)
    axes[-1, 0].set_xlabel(
        "time / time of the plain-Python baseline in the same process (log scale)", fontsize=8
    )
    machine = document["machine"]
    figure.suptitle(
        f"{document['mode']} run, {machine['date']}, {machine['cpus']} CPUs,"
        f" load {machine['load']:.1f},"
        f" Python {machine['python']}",
        fontsize=9,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.985))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
