"""One translation catalogue for every user-facing string: Simplified Chinese and English.

Catalogues are TOML files under ``kfdesk_data/i18n/<lang>/``; all files of a language are
merged, and nested tables become dotted keys (``[ticket.kind] repair = "报修"`` →
``ticket.kind.repair``). ``t(key, **params)`` formats with ``str.format``.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from kfdesk_data import shipped

LANGUAGES = ("zh", "en")
_current = "zh"


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(dotted + ".", value, out)
        else:
            out[dotted] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    out: dict[str, str] = {}
    folder = shipped("i18n", lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out)
    return out


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _current = lang


def t(key: str, /, lang: str | None = None, **params: Any) -> str:
    """The text for ``key`` in the current (or given) language; a missing key shows itself."""
    text = catalogue(lang or _current).get(key)
    if text is None:
        return key
    return text.format(**params) if params else text


def has(key: str, lang: str | None = None) -> bool:
    return key in catalogue(lang or _current)
