"""Property-test fixtures: the core tests' small office (staff of every role, unit 3-1-502 and
its owner) on the fresh store of the root conftest.

``tests/core/conftest.py`` is not on this folder's path (test folders are not packages), so
its ``office`` fixture is loaded from the file and re-exported here rather than copied: one
definition of the office for every test that needs one.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "kfdesk_tests_core_fixtures", Path(__file__).resolve().parents[1] / "core" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_core)

office = _core.office
STAFF = _core.STAFF
