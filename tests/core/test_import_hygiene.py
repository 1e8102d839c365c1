"""The core never imports the UI toolkit: importing kfdesk and every core module leaves
``textual`` and ``rich`` out of ``sys.modules`` (ARCHITECTURE: core/UI split)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import kfdesk
names = []
for m in pkgutil.walk_packages(kfdesk.__path__, "kfdesk."):
    if m.name == "kfdesk.__main__":
        continue
    importlib.import_module(m.name)
    names.append(m.name)
import kfdesk.__main__
assert len(names) > 5, names
leaked = sorted(n for n in sys.modules if n.split(".")[0] in ("textual", "rich", "kfdesk_screens"))
print(",".join(leaked))
"""


def test_core_imports_no_ui() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "", f"core imported UI modules: {out.stdout}"


LIGHT = """
import importlib.util, sys
import kfdesk.__main__, kfdesk.db, kfdesk.config, kfdesk.i18n
watched = ["pypinyin", "chinese_calendar", "openpyxl", "hypothesis"]
# peewee imports the PostgreSQL driver itself whenever it is installed (the `postgres` extra,
# as in CI's PostgreSQL run); without the extra — a SQLite counter — it must not be loaded.
if importlib.util.find_spec("psycopg2") is None:
    watched.append("psycopg2")
print(",".join(sorted(n for n in watched if n in sys.modules)))
"""


def test_startup_imports_nothing_heavy() -> None:
    out = subprocess.run([sys.executable, "-c", LIGHT], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
