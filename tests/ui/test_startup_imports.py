"""Start-up stays light (issue 2): painting sign-in loads neither the ORM, the read queries,
the deadline engine nor the palette's searches; they come after the first frame, or with the
first screen that needs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
import kfdesk.__main__, kfdesk.session, kfdesk.storefile
import kfdesk_screens.app, kfdesk_screens.signin
print(",".join(sorted(n for n in ("peewee", "kfdesk.models", "kfdesk.db", "kfdesk.views",
                                  "kfdesk.rules", "kfdesk.desk", "kfdesk_screens.commands",
                                  "kfdesk_screens.alerts", "kfdesk_screens.intake")
                      if n in sys.modules)))
"""

# The daily start as the CLI runs it, up to the first painted frame (--bench-exit quits
# there); then: the exit code, and whether the ORM had been loaded by then.
DAILY = """
import sys
import kfdesk.__main__ as cli
rc = cli.main(["--db", sys.argv[1], "--now", "2026-10-09T10:00", "--bench-exit", sys.argv[2]])
print(rc, "peewee" in sys.modules)
sys.exit(rc)
"""


def test_sign_in_loads_no_orm_queries_engine_or_palette() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_the_daily_start_paints_sign_in_before_loading_the_orm(demo_template: Path,
                                                               tmp_path: Path) -> None:
    db = tmp_path / "counter.db"
    shutil.copyfile(demo_template, db)
    stamp = tmp_path / "painted"
    out = subprocess.run([sys.executable, "-c", DAILY, str(db), str(stamp)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["0", "False"]
    assert stamp.exists()


def test_a_store_needing_work_is_opened_before_the_first_frame(tmp_path: Path) -> None:
    # Not a kfdesk store: refused with its one line before anything is painted.
    db = tmp_path / "notes.db"
    db.write_bytes(b"not a database at all")
    out = subprocess.run([sys.executable, "-c", DAILY, str(db), str(tmp_path / "painted")],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "notes.db" in out.stderr and not (tmp_path / "painted").exists()
    assert db.read_bytes() == b"not a database at all"
