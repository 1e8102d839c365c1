"""One translation catalogue for every user-facing string: Simplified Chinese and English.

Catalogues are TOML files under ``kfdesk_data/i18n/<lang>/``; all files of a language are
merged, and nested tables become dotted keys (``[ticket.kind] repair = "报修"`` →
``ticket.kind.repair``). ``t(key, **params)`` formats with ``str.format``.

Parsing some 3,000 keys of TOML costs about 50 ms a language, paid at every start of the
counter (issue 2's start-up budget). So the merged catalogue is kept as JSON in the user's
cache directory, as Python keeps bytecode: named by the files' names, sizes and modification
times, so an edited or added file is parsed afresh, and any failure to read or write the
cache only means parsing the TOML as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from kfdesk_data import shipped

LANGUAGES = ("zh", "en")
_current = "zh"
_CACHE_FORMAT = "1"


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(dotted + ".", value, out)
        else:
            out[dotted] = str(value)


def cache_dir() -> Path | None:
    """Where parsed catalogues are kept (``KFDESK_CACHE`` overrides; empty: no cache)."""
    env = os.environ.get("KFDESK_CACHE")
    if env is not None:
        return Path(env) if env else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("kfdesk", appauthor=False))


def load_folder(folder: Path, cache: Path | None) -> dict[str, str]:
    """The merged catalogue of one language folder, from ``cache`` when it is current."""
    files = sorted((e for e in folder.iterdir() if e.name.endswith(".toml")),
                   key=lambda e: e.name)
    stamp = hashlib.sha256(_CACHE_FORMAT.encode())
    for entry in files:
        st = entry.stat()
        stamp.update(f"{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    cached = cache / f"i18n-{folder.name}-{stamp.hexdigest()[:20]}.json" if cache else None
    if cached is not None:
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # not there yet, or damaged: parse the TOML
    out: dict[str, str] = {}
    for entry in files:
        _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out)
    if cached is not None:
        _store(cached, out)
    return out


def _store(path: Path, catalogue: dict[str, str]) -> None:
    # Written whole then renamed: two counters starting together never read half a file.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.json"):
            old.unlink(missing_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only home only costs the parse next time


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    return load_folder(shipped("i18n", lang), cache_dir())


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
