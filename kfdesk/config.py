"""Settings: shipped defaults in ``kfdesk_data/settings.toml``, a user file, ``KFDESK_*`` variables.

The shipped file is also the schema: a key the defaults do not have is unknown, and a value
must have the type of its default. A bad file gives one ``SettingsError`` naming the file,
the key and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kfdesk_data import shipped

ENV_PREFIX = "KFDESK_"
LANGUAGES = ("zh", "en")


class SettingsError(Exception):
    """A settings file or variable that cannot be used; the message is for the user."""


def default_settings_text() -> str:
    return shipped("settings.toml").read_text(encoding="utf-8")


def user_config_path(environ: dict[str, str] | None = None) -> Path:
    """Where the user's settings file lives (``KFDESK_CONFIG`` overrides)."""
    environ = os.environ if environ is None else environ
    if env := environ.get("KFDESK_CONFIG"):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("kfdesk", appauthor=False)) / "settings.toml"


def user_data_dir() -> Path:
    from platformdirs import user_data_dir as _dir

    return Path(_dir("kfdesk", appauthor=False))


def _type_name(value: Any) -> str:
    return {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text in quotes",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _check_value(where: str, key: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise SettingsError(f"{where}: key '{key}': expected {_type_name(default)}, got {value!r}")
    return value


def _merge(where: str, base: dict[str, Any], override: dict[str, Any], prefix: str = "") -> None:
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if dotted == "ranges":
            raise SettingsError(f"{where}: key 'ranges': fixed by kfdesk, not a setting")
        if key not in base:
            raise SettingsError(f"{where}: key '{dotted}': unknown setting")
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: key '{dotted}': expected a table [{dotted}]")
            _merge(where, default, value, dotted + ".")
        elif isinstance(default, list) and default and isinstance(default[0], dict):
            # Arrays of tables (the KF-022 price list) are replaced whole.
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise SettingsError(f"{where}: key '{dotted}': expected [[{dotted}]] tables")
            base[key] = value
        else:
            base[key] = _check_value(where, dotted, default, value)


def _parse_env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw  # bare text is a string


def _hhmm(where: str, key: str, text: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise SettingsError(f"{where}: key '{key}': expected a time like \"17:30\", got {text!r}")


@dataclass
class Settings:
    """All settings, as a nested dict, with typed accessors for the ones used everywhere."""

    data: dict[str, Any]
    sources: list[str] = field(default_factory=list)

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            node = node[part]
        return node

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.data["office"]["timezone"])

    @property
    def language(self) -> str:
        return self.data["office"]["language"]

    @property
    def office_name(self) -> str:
        return self.data["office"]["name"]

    @property
    def business_close(self) -> time:
        return _hhmm("settings", "hours.close", self.data["hours"]["close"])

    @property
    def business_open(self) -> time:
        return _hhmm("settings", "hours.open", self.data["hours"]["open"])

    @property
    def clocks(self) -> dict[str, Any]:
        return self.data["clocks"]

    def fee(self, key: str) -> Decimal:
        return Decimal(self.data["fees"][key])


def _check_ranges(where: str, data: dict[str, Any]) -> None:
    """Every ``[ranges]`` entry of the shipped defaults (min, max, allowed), one line each."""
    for dotted, rule in data["ranges"].items():
        section, _, key = dotted.partition(".")
        value = data[section][key]
        if "allowed" in rule and value not in rule["allowed"]:
            choices = ", ".join(repr(v) for v in rule["allowed"])
            raise SettingsError(f"{where}: key '{dotted}': expected one of {choices}, "
                                f"got {value!r}")
        low, high = rule.get("min"), rule.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise SettingsError(f"{where}: key '{dotted}': expected a number from {low} to "
                                f"{high}, got {value!r}")


def _validate(where: str, data: dict[str, Any]) -> None:
    _check_ranges(where, data)
    office = data["office"]
    if office["language"] not in LANGUAGES:
        raise SettingsError(
            f"{where}: key 'office.language': expected one of zh, en, got {office['language']!r}"
        )
    if office.get("document_language", "zh") not in LANGUAGES:
        raise SettingsError(
            f"{where}: key 'office.document_language': expected one of zh, en, "
            f"got {office['document_language']!r}"
        )
    try:
        ZoneInfo(office["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{where}: key 'office.timezone': expected an IANA zone such as "
            f"\"Asia/Shanghai\", got {office['timezone']!r}"
        )
    for key in ("open", "close", "fault_notice_collect"):
        _hhmm(where, f"hours.{key}", data["hours"][key])
    _hhmm(where, "clocks.fault_notice_classify", data["clocks"]["fault_notice_classify"])
    share = data["clocks"]["warn_share"]
    if not 0 < share < 1:
        raise SettingsError(f"{where}: key 'clocks.warn_share': expected a number between 0 and 1")
    ceiling = data["cashier"]["max_payment_yuan"]
    if ceiling < 1:
        raise SettingsError(f"{where}: key 'cashier.max_payment_yuan': expected a whole number "
                            f"of yuan above 0, got {ceiling!r}")
    for key, low, high in (("max_wrong_pins", 3, 20), ("lock_minutes", 1, 1440)):
        value = data["sign_in"][key]
        if not low <= value <= high:
            raise SettingsError(f"{where}: key 'sign_in.{key}': expected a whole number from "
                                f"{low} to {high}, got {value!r}")
    if data["readings"]["outlier_factor"] <= 1:
        raise SettingsError(f"{where}: key 'readings.outlier_factor': expected a number above 1")
    if data["readings"]["outlier_floor"] < 0:
        raise SettingsError(f"{where}: key 'readings.outlier_floor': expected 0 or more")
    for key, value in data["fees"].items():
        if key == "effective_from":
            continue
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
        if amount is None or amount < 0:
            raise SettingsError(
                f"{where}: key 'fees.{key}': expected an amount in yuan like \"1.80\", "
                f"got {value!r}"
            )
    for table in ("services", "repair_prices"):
        for i, item in enumerate(data[table]):
            for need in ("code", "name_zh", "name_en", "unit", "price"):
                if not isinstance(item.get(need), str):
                    raise SettingsError(
                        f"{where}: key '{table}[{i}].{need}': expected text in quotes")
            for key in ("price", "price_max"):
                if key in item:
                    try:
                        Decimal(item[key])
                    except InvalidOperation:
                        raise SettingsError(
                            f"{where}: key '{table}[{i}].{key}': expected an amount in yuan"
                        )


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the user file (``path`` or the default location), then ``KFDESK_*``."""
    environ = dict(os.environ if environ is None else environ)
    data = tomllib.loads(default_settings_text())
    sources = ["defaults"]
    explicit = path is not None
    path = path or user_config_path(environ)
    if path.exists() or explicit:
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"{where}: cannot read the settings file ({exc.strerror})")
        except UnicodeDecodeError:
            raise SettingsError(f"{where}: not UTF-8 text")
        try:
            override = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{where}: not valid TOML ({exc})")
        _merge(where, data, override)
        _validate(where, data)
        sources.append(where)
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        where = f"environment variable {name}"
        _merge(where, data, {section: {key: _parse_env_value(raw)}})
        _validate(where, data)
        sources.append(name)
    _validate("settings", data)
    return Settings(data=data, sources=sources)


def default_settings() -> Settings:
    """The shipped defaults alone (tests, library use)."""
    data = tomllib.loads(default_settings_text())
    return Settings(data=data, sources=["defaults"])
