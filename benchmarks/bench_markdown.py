"""Markdown rendering time for pathological input against ordinary prose of the same size.

    .venv/bin/python benchmarks/bench_markdown.py [--repeat N]

Renders 1, 10 and 100 KB of `[` (and other inputs that make some parsers quadratic)
through lerend_netwerk.markdown, uncached, and prints each median time with the
baseline measured in the same run: ordinary Dutch prose from content/ cut to the same
size. A linear renderer keeps the ratio roughly constant as the size grows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lerend_netwerk import markdown  # noqa: E402

SIZES = [1_000, 10_000, 100_000]
INPUTS = {
    "[": "[",
    "[x][": "[x][",
    "[a](": "[a](",
    "*a": "*a",
    "<b>": "<b>",
    "&#": "&#",
    "> * ": "> * ",
}


def prose(size: int) -> str:
    bodies = []
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        bodies.append(text.split("---", 2)[2] if text.startswith("---") else text)
    joined = "\n\n".join(bodies)
    while len(joined) < size:
        joined += "\n\n" + joined
    return joined[:size]


def render_time(text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        markdown._safe_html(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    baselines = {size: render_time(prose(size), args.repeat) for size in SIZES}
    print(f"{'input':8} {'size':>8} {'render':>11} {'baseline':>11} {'ratio':>7}")
    for size in SIZES:
        print(f"{'prose':8} {size:>8,} {baselines[size] * 1000:>9.1f}ms {'':>11} {'':>7}")
    for name, unit in INPUTS.items():
        for size in SIZES:
            text = unit * (size // len(unit))
            took = render_time(text, args.repeat)
            ratio = took / baselines[size]
            print(
                f"{name!r:8} {size:>8,} {took * 1000:>9.1f}ms "
                f"{baselines[size] * 1000:>9.1f}ms {ratio:>7.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
