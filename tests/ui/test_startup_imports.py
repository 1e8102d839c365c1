"""Start-up stays light (issue 2): painting sign-in loads neither the read queries, the
deadline engine nor the palette's searches; they come with the first screen that needs them."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import kfdesk.__main__, kfdesk.db, kfdesk.session
import kfdesk_screens.app, kfdesk_screens.signin
print(",".join(sorted(n for n in ("kfdesk.views", "kfdesk.rules", "kfdesk.desk.tickets",
                                  "kfdesk_screens.commands", "kfdesk_screens.alerts",
                                  "kfdesk_screens.intake") if n in sys.modules)))
"""


def test_sign_in_loads_no_queries_engine_or_palette() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
