"""Run every benchmark with one command and print one summary table.

    .venv/bin/python benchmarks/run_all.py              # SQLite; about 6 minutes
    .venv/bin/python benchmarks/run_all.py --postgres   # and PostgreSQL; under 8 minutes
    .venv/bin/python benchmarks/run_all.py --quick      # 2,000 documents, short runs; ~1 min

Runs, one after the other and each in its own process (so one's memory and caches do
not colour the next):

- bench_platform.py: gunicorn with 2 sync workers on loopback; the agenda, a session
  page, a search, the calendar feed (200 and 304), the JSON API and registration, as
  req/s against a bare Flask endpoint of the same gunicorn in the same run; the memory
  of every worker (on SQLite, and with --postgres on PostgreSQL too);
- bench_search.py: search latency at 20,000 documents against SQLite FTS5;
- bench_files.py: 1,000 attached PDFs: text extraction, the index sync that reads them,
  search latency with and without the files' text, against SQLite FTS5;
- bench_feeds.py: feed generation, cached answers and 304s;
- bench_indicators.py: the indicators over ten years, 100,000 registrations;
- networks.py (with --postgres): 1, 5 and 20 networks up to 50,000 members, 5,000
  sessions and 50,000 practices (--quick: a tenth, 1, 4 and 10 networks).

Each benchmark prints its own detailed table as it goes; at the end this script prints
the machine (cores, Python, load average) and one table: what, value, baseline, ratio.
Everything uses loopback and temporary directories/databases that the benchmarks remove.
A benchmark that runs past its time limit is interrupted (so it still cleans up).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

FLAT_SIZES = (200, 2000, 20000)
FLAT_KEYS = ("agenda", "session_visitor", "api", "feed_304")
FLAT_TOLERANCE = 0.20
MAX_REQUEST_SECONDS = 1.0
UNIT_FORMATS = {"req/s": "{:,.1f}", "ms": "{:,.2f}", "MiB": "{:,.1f}", "s": "{:,.1f}"}


def steps(quick: bool, postgres: bool) -> list[tuple[str, list[str], float]]:
    """(label, arguments, time limit in seconds) of every benchmark to run."""
    if quick:
        platform_args = ["--seconds", "1.5", "--warmup", "0.5"]
        search_args = ["--docs", "2000", "--queries", "100"]
        feeds_args = ["--sessions", "300", "--registered", "60", "--repeat", "4"]
        indicators_args = ["--registrations", "20000", "--repeat", "3"]
        files_args = ["--files", "200", "--queries", "100"]
        networks_args = ["--quick"]
    else:
        platform_args = ["--seconds", "4", "--warmup", "1"]
        search_args = ["--docs", "20000", "--queries", "300"]
        feeds_args = ["--repeat", "8"]
        indicators_args = ["--repeat", "5"]
        files_args = ["--files", "1000", "--queries", "300"]
        networks_args = []
    pg = ["--postgres"] if postgres else []
    out = [("platform, SQLite", ["bench_platform.py", *platform_args], 300)]
    if postgres:
        out.append(("platform, PostgreSQL", ["bench_platform.py", *platform_args, *pg], 300))
    flat_args = ["--flat", "--seconds", "1.5" if quick else "3", "--warmup", "0.5"]
    for database, extra in [("SQLite", []), *([("PostgreSQL", pg)] if postgres else [])]:
        for sessions in FLAT_SIZES:
            out.append(
                (
                    f"flat in the data, {database}, {sessions:,} sessions",
                    ["bench_platform.py", *flat_args, "--sessions", str(sessions), *extra],
                    420,
                )
            )
    out += [
        ("search", ["bench_search.py", *search_args], 480),
        ("files", ["bench_files.py", *files_args], 480),
        ("feeds", ["bench_feeds.py", *feeds_args, *pg], 240),
        ("indicators", ["bench_indicators.py", *indicators_args, *pg], 240),
    ]
    if postgres:
        out.append(("networks, PostgreSQL", ["networks.py", *networks_args], 900))
    return out


def run_step(label: str, argv: list[str], limit: float, json_path: Path) -> tuple[int, float]:
    """Run one benchmark, its output straight to ours; (exit status, seconds)."""
    print(f"\n=== {label}: {' '.join(argv)} ===", flush=True)
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(HERE / argv[0]), *argv[1:], "--json", str(json_path)],
        cwd=HERE.parent,
        start_new_session=True,  # our Ctrl-C is forwarded below, once
    )
    try:
        status = process.wait(timeout=limit)
    except (subprocess.TimeoutExpired, KeyboardInterrupt) as stopped:
        # SIGINT first: the benchmark's finally blocks stop gunicorn and drop databases.
        print(f"\n{label}: interrupting ({type(stopped).__name__})", flush=True)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if isinstance(stopped, KeyboardInterrupt):
            raise
        status = -1
    return status, time.monotonic() - began


def machine() -> dict[str, str]:
    """What the numbers came from."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cores": str(len(os.sched_getaffinity(0))),
        "cpu": cpu or platform.processor() or "unknown",
        "memory": memory or "unknown",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def fmt(value: float, unit: str) -> str:
    return UNIT_FORMATS.get(unit, "{:,.2f}").format(value) + f" {unit}"


def print_summary(rows: list[dict], markdown: bool) -> None:
    table = [
        (
            row["what"],
            fmt(row["value"], row["unit"]),
            f"{fmt(row['baseline'], row['unit'])} ({row['baseline_what']})",
            f"{row['ratio']:.3g}",
        )
        for row in rows
    ]
    header = ("what", "value", "baseline", "ratio")
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|---:|---|---:|")
        for line in table:
            print("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
        return
    widths = [max(len(line[i]) for line in [header, *table]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for line in table:
        cells = [line[0].ljust(widths[0]), line[1].rjust(widths[1])]
        cells += [line[2].ljust(widths[2]), line[3].rjust(widths[3])]
        print("  ".join(cells))


def flat_goals(documents: list[dict]) -> list[dict]:
    """Per database and page: req/s at every size within 20 % of each other."""
    lines = []
    for database in ("sqlite", "postgresql"):
        runs = [d for d in documents if d.get("flat") and d["database"] == database]
        if len(runs) < 2:
            continue
        runs.sort(key=lambda d: d["sessions"])
        sizes = "/".join(f"{d['sessions']:,}" for d in runs)
        for key in FLAT_KEYS:
            rates = [
                next((r["rps"] for r in d["results"] if r["key"] == key), float("nan"))
                for d in runs
            ]
            spread = max(rates) / min(rates) - 1 if min(rates) > 0 else float("inf")
            name = next(r["name"] for r in runs[0]["results"] if r["key"] == key)
            lines.append(
                {
                    "goal": f"{database}: {name} at {sizes} sessions "
                    f"({' / '.join(f'{rate:,.0f}' for rate in rates)} req/s)",
                    "value": spread,
                    "target": f"spread <= {FLAT_TOLERANCE:.0%}",
                    "verdict": "met" if spread <= FLAT_TOLERANCE else "NOT MET",
                }
            )
        worst = max(max(d["worst_ms"], d["first_feed_worst_ms"]) for d in runs) / 1000
        lines.append(
            {
                "goal": f"{database}: slowest single request of the flat runs, up to "
                f"{runs[-1]['sessions']:,} sessions (first /agenda.ics included)",
                "value": worst,
                "target": f"<= {MAX_REQUEST_SECONDS:g} s",
                "verdict": "met" if worst <= MAX_REQUEST_SECONDS else "NOT MET",
            }
        )
        uss = [(d["sessions"], max(w.get("uss", 0) for w in d["memory"]["workers"])) for d in runs]
        growth = uss[-1][1] - uss[0][1]
        lines.append(
            {
                "goal": f"{database}: worker USS at {sizes} sessions "
                f"({' / '.join(f'{m:.0f}' for _, m in uss)} MiB), growth",
                "value": growth,
                "target": "<= 10 MiB",
                "verdict": "met" if growth <= 10 else "NOT MET",
            }
        )
    return lines


def goals(documents: list[dict]) -> list[dict]:
    lines = [goal for d in documents if not d.get("flat") for goal in d.get("goals", [])]
    return lines + flat_goals(documents)


def print_goals(lines: list[dict], markdown: bool) -> None:
    if markdown:
        print("| goal | value | target | |")
        print("|---|---:|---|---|")
        for line in lines:
            print(
                f"| {line['goal']} | {line['value']:.3g} | {line['target']} | {line['verdict']} |"
            )
        return
    for line in lines:
        print(f"{line['verdict']:>8}  {line['value']:>8.3g}  {line['target']:<28} {line['goal']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer documents, shorter runs")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too (127.0.0.1)")
    parser.add_argument("--markdown", action="store_true", help="the summary as a Markdown table")
    args = parser.parse_args()

    began = time.monotonic()
    info = machine()
    load_before = load()
    workdir = Path(tempfile.mkdtemp(prefix="bench-all-"))
    rows: list[dict] = []
    failures: list[str] = []
    durations: list[str] = []
    documents: list[dict] = []
    try:
        for n, (label, argv, limit) in enumerate(steps(args.quick, args.postgres)):
            json_path = workdir / f"{n}.json"
            status, seconds = run_step(label, argv, limit, json_path)
            durations.append(f"{label} {seconds:.0f} s")
            if status != 0:
                failures.append(f"{label} (exit status {status})")
            if json_path.exists():
                document = json.loads(json_path.read_text())
                documents.append(document)
                if not document.get("flat"):
                    rows += document["summary"]
            elif status == 0:
                failures.append(f"{label} (no results written)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print("\n=== summary ===")
    print(
        f"{info['date']}; {info['cores']} cores ({info['cpu']}), {info['memory']}; "
        f"Python {info['python']}; {info['system']}"
    )
    print(f"load average (1/5/15 min): {load_before} before, {load()} after")
    mode = ("quick" if args.quick else "full") + (", PostgreSQL too" if args.postgres else "")
    print(f"mode: {mode}")
    print("durations: " + ", ".join(durations) + f"; total {time.monotonic() - began:.0f} s")
    print(
        "ratio: req/s as a share of the bare endpoint's req/s (same gunicorn, same run); "
        "ms and s as times the baseline's; MiB as times the gunicorn master's RSS\n"
    )
    print_summary(rows, args.markdown)
    print("\n=== goals (issue 23; ratios against a plain Flask app in the same run) ===")
    print_goals(goals(documents), args.markdown)
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
