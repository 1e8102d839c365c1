"""``kfdesk bench``: performance figures, printed as one JSON object, never asserted in tests.

Parts (``--only NAME``):
- ``startup``: ``startup_ms`` — process start to the first painted screen of the demo
  counter (headless, median of several runs) — beside ``bare_textual_ms``, the same for a
  bare Textual app with a header and footer in the same run. Target: startup ≤ 1.5 × bare.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEMO_NOW = "2026-10-09T10:00"

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("bare")
        yield Footer()

    def on_ready(self):
        self.exit()

Bare().run(headless=True)
"""


def _time_ms(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-500:]}")
    return elapsed


def _median(fn: Callable[[], float], runs: int) -> float:
    fn()  # warm the OS file cache so the first run does not skew the median
    return round(statistics.median(fn() for _ in range(runs)), 1)


def bench_startup(runs: int, workdir: Path) -> dict[str, float]:
    db = workdir / "demo.db"
    demo = [sys.executable, "-m", "kfdesk", "demo", "--db", str(db), "--now", DEMO_NOW]
    subprocess.run([*demo, "--build-only"], check=True, stdout=subprocess.DEVNULL)
    startup = _median(lambda: _time_ms([*demo, "--bench-exit"]), runs)
    bare = _median(lambda: _time_ms([sys.executable, "-c", BARE_APP]), runs)
    return {
        "startup_ms": startup,
        "bare_textual_ms": bare,
        "startup_ratio": round(startup / bare, 2),
    }


PARTS: dict[str, Callable[[int, Path], dict[str, float]]] = {"startup": bench_startup}


def run_bench(only: str | None = None, runs: int = 5) -> dict[str, float]:
    """Run every part (or ``only`` one) in a temporary directory; returns the figures."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kfdesk-bench-") as tmp:
        for name, part in PARTS.items():
            if only in (None, name):
                figures.update(part(runs, Path(tmp)))
    return figures
