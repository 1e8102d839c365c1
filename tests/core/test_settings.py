"""Settings: shipped defaults, the user file, KFDESK_* variables, and clear errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kfdesk.config import SettingsError, load_settings


def _load(tmp_path: Path, text: str | None, env: dict[str, str] | None = None):
    path = tmp_path / "settings.toml"
    if text is None:  # no user file: the default location holds none
        environ = {"KFDESK_CONFIG": str(tmp_path / "absent.toml"), **(env or {})}
        return load_settings(None, environ=environ), path
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ=env or {}), path


def test_defaults_cover_every_clock_of_rules_section_8(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(SettingsError):  # an explicitly named file must exist
        load_settings(path, environ={})
    settings = load_settings(None, environ={"KFDESK_CONFIG": str(path)})
    clocks = settings.clocks
    assert clocks["dispatch_hours"] == 1  # KF-010 §4.1.2
    assert clocks["explain_invalid_hours"] == 2  # KF-010 §4.4.2
    assert clocks["repair_callback_working_days"] == 3  # KF-009 §3.1.1
    assert clocks["registered_mail_days"] == 6  # KF-021 §3
    assert clocks["warn_share"] == 0.75
    assert settings.zone.key == "Asia/Shanghai"
    assert settings.business_close.hour == 17 and settings.business_close.minute == 30
    assert settings.fee("parking_card_deposit") == Decimal("100.00")  # KF-018
    codes = {s["code"] for s in settings.data["services"]}
    assert {"type_a4", "copy_a3", "fax_long", "office_clean"} <= codes  # KF-022


def test_user_file_overrides_defaults(tmp_path: Path) -> None:
    settings, _ = _load(tmp_path, '[office]\nname = "阳光花园服务中心"\nlanguage = "en"\n'
                                  "[clocks]\ndispatch_hours = 2\nwarn_share = 0.8\n")
    assert settings.office_name == "阳光花园服务中心"
    assert settings.language == "en"
    assert settings.clocks["dispatch_hours"] == 2
    assert settings.clocks["warn_share"] == 0.8


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    settings, _ = _load(tmp_path, "[clocks]\ndispatch_hours = 2\n",
                        {"KFDESK_CLOCKS__DISPATCH_HOURS": "3",
                         "KFDESK_OFFICE__NAME": "东门服务中心"})
    assert settings.clocks["dispatch_hours"] == 3
    assert settings.office_name == "东门服务中心"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[clocks]\ndispatch_hours = \"one\"\n", "clocks.dispatch_hours", "a whole number"),
        ("[clocks]\ndispatch_minutes = 60\n", "clocks.dispatch_minutes", "unknown setting"),
        ("[office]\nlanguage = \"fr\"\n", "office.language", "zh, en"),
        ("[office]\ntimezone = \"Mars/Olympus\"\n", "office.timezone", "IANA zone"),
        ("[hours]\nclose = \"half past five\"\n", "hours.close", "17:30"),
        ("[fees]\nwater_per_m3 = \"cheap\"\n", "fees.water_per_m3", "amount in yuan"),
        ("[clocks]\nwarn_share = 1.5\n", "clocks.warn_share", "between 0 and 1"),
        # Issue 19: the sign-in lock within its range.
        ("[sign_in]\nmax_wrong_pins = 0\n", "sign_in.max_wrong_pins", "from 3 to 20"),
        ("[sign_in]\nmax_wrong_pins = 21\n", "sign_in.max_wrong_pins", "from 3 to 20"),
        ("[sign_in]\nlock_minutes = 0\n", "sign_in.lock_minutes", "from 1 to 1440"),
        ("[sign_in]\nlock_minutes = \"15\"\n", "sign_in.lock_minutes", "a whole number"),
        ("office = 3\n", "office", "table"),
    ],
)
def test_a_bad_value_names_file_key_and_expectation(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as err:
        _load(tmp_path, text)
    message = str(err.value)
    assert str(tmp_path / "settings.toml") in message
    assert f"'{key}'" in message
    assert expected in message
    assert "\n" not in message


def test_malformed_toml_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as err:
        _load(tmp_path, "[office\nname = \n")
    assert "not valid TOML" in str(err.value)
    assert str(tmp_path / "settings.toml") in str(err.value)


def test_a_bad_environment_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as err:
        _load(tmp_path, None, {"KFDESK_CLOCKS__DISPATCH_HOURS": "soon"})
    assert "KFDESK_CLOCKS__DISPATCH_HOURS" in str(err.value)
