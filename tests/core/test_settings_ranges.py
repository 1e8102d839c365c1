"""Issue 19: the ranges declared once in the shipped defaults ([ranges] in data/settings.toml)
are checked at load, from a file or KFDESK_*, with one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kfdesk.config import SettingsError, default_settings, load_settings


@pytest.mark.parametrize(("section", "line", "expected"), [
    ("clocks", "dispatch_hours = -5", "key 'clocks.dispatch_hours': expected a number"),
    ("database", "busy_timeout_ms = -1", "key 'database.busy_timeout_ms': expected a number"),
    ("hours", "refresh_seconds = 0", "key 'hours.refresh_seconds': expected a number"),
    ("printing", 'receipt_series = "month"', "key 'printing.receipt_series': expected one of"),
    ("targets", "collection_rate = 1.5", "key 'targets.collection_rate': expected a number"),
])
def test_each_range_is_enforced(tmp_path: Path, section: str, line: str, expected: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f"[{section}]\n{line}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(path, environ={})
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_every_declared_range_holds_for_the_defaults_and_is_checked() -> None:
    data = default_settings().data
    assert data["ranges"], "the ranges are declared in the shipped defaults"
    for dotted, rule in data["ranges"].items():
        section, _, key = dotted.partition(".")
        bad = "nonsense" if "allowed" in rule else (rule.get("max", 0) + 1)
        with pytest.raises(SettingsError, match=dotted.replace(".", r"\.")):
            load_settings(None,
                          environ={"KFDESK_CONFIG": "/nonexistent/kfdesk.toml",
                                   f"KFDESK_{section.upper()}__{key.upper()}": repr(bad)
                                   if isinstance(bad, str) else str(bad)})


def test_a_value_inside_its_range_loads(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[clocks]\ndispatch_hours = 2\n[hours]\nrefresh_seconds = 5\n")
    assert load_settings(path, environ={}).data["clocks"]["dispatch_hours"] == 2


def test_the_ranges_cannot_be_loosened_by_a_user_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[ranges]\n"clocks.dispatch_hours" = { min = -10 }\n')
    with pytest.raises(SettingsError, match="key 'ranges'"):
        load_settings(path, environ={})
