"""The deadline engine of RULES §8: every clock of the procedures, and ``evaluate(now)``.

- ``clocks``: the registry — each clock's rule id, what starts and stops it, its limit.
- ``context``: ``RuleContext`` (settings + working-day calendar) passed to everything here.
- ``sync``: writes a record's clocks as ``Deadline`` rows when it starts or stops them
  (called by the desk services inside their transaction, and by ``resync_all``).
- ``engine``: ``evaluate(now)`` — reads only, returns alerts in a deterministic order.
"""

from .clocks import CLOCKS, ClockSpec
from .context import RuleContext
from .engine import Alert, counts, evaluate

__all__ = ["CLOCKS", "Alert", "ClockSpec", "RuleContext", "counts", "evaluate"]
