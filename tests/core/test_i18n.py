"""One catalogue, two complete languages: a key missing from either fails here."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kfdesk.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.joinpath("kfdesk").rglob("*.py"), *ROOT.joinpath("screens").rglob("*.py")]
LITERAL = re.compile(r"""\bt\(\s*(["'])([a-z_][\w.]*)\1""")
PREFIX = re.compile(r"""\bt\(\s*f(["'])([a-z_][\w.]*?\.)\{""")
TR = re.compile(r"""\bTr\(\s*(["'])([a-z_][\w.]*)\1""")
ERROR = re.compile(r"""(?:DeskError|StoreError)\(\s*(["'])([a-z_][\w.]*)\1""")


def _keys_used() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for rx in (LITERAL, TR, ERROR):
            literal |= {m.group(2) for m in rx.finditer(text)}
        prefixes |= {m.group(2) for m in PREFIX.finditer(text)}
    return literal, prefixes


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_have_the_same_keys() -> None:
    zh, en = (set(catalogue(lang)) for lang in LANGUAGES)
    assert sorted(zh - en) == [], "keys missing from English"
    assert sorted(en - zh) == [], "keys missing from Chinese"


def test_placeholders_agree_between_languages() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    wrong = {k: (zh[k], en[k]) for k in zh if k in en and _fields(zh[k]) != _fields(en[k])}
    assert wrong == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_code_uses_exists(lang: str) -> None:
    literal, prefixes = _keys_used()
    assert len(literal) > 20
    keys = set(catalogue(lang))
    assert sorted(k for k in literal if k not in keys) == []
    assert sorted(p for p in prefixes if not any(k.startswith(p) for k in keys)) == []


def test_no_empty_texts() -> None:
    for lang in LANGUAGES:
        assert [k for k, v in catalogue(lang).items() if not v.strip()] == []


def test_missing_key_shows_itself_rather_than_crashing() -> None:
    assert t("no.such.key") == "no.such.key"
    assert t("role.clerk", lang="zh") == "客服主办"
    assert t("role.clerk", lang="en") == "Clerk"


def test_every_enumerated_value_has_a_label() -> None:
    from kfdesk.models import cash, people, registers, staff, tickets

    tables = {
        "role": staff.ROLES, "channel": tickets.CHANNELS, "kind": tickets.KINDS,
        "category": tickets.CATEGORIES, "department": tickets.DEPARTMENTS,
        "validity": tickets.VALIDITY, "repair_class": tickets.REPAIR_CLASSES,
        "state": tickets.TICKET_STATES, "escalation": tickets.ESCALATION_STATES,
        "callback_kind": tickets.CALLBACK_KINDS, "unit_status": people.UNIT_STATUSES,
        "occupancy": people.OCCUPANCY_ROLES, "method": cash.PAYMENT_METHODS,
        "fee_item": cash.FEE_ITEMS, "mail_kind": registers.MAIL_KINDS,
    }
    for lang in LANGUAGES:
        keys = set(catalogue(lang))
        missing = [f"{p}.{v}" for p, values in tables.items() for v in values
                   if f"{p}.{v}" not in keys]
        assert missing == [], lang


# ---- the parsed catalogue kept in the cache (start-up time, issue 2) ---------------------

def _lang_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "zh"
    folder.mkdir()
    (folder / "a.toml").write_text('[ui]\nhello = "你好"\n', encoding="utf-8")
    (folder / "b.toml").write_text('bye = "再见"\n', encoding="utf-8")
    return folder


def test_catalogue_is_read_from_the_cache_once_parsed(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kfdesk import i18n

    folder, cache = _lang_folder(tmp_path), tmp_path / "cache"
    first = i18n.load_folder(folder, cache)
    assert first == {"ui.hello": "你好", "bye": "再见"}
    assert len(list(cache.glob("i18n-zh-*.json"))) == 1

    def no_toml(_text: str) -> dict:
        raise AssertionError("parsed the TOML again although the cache is current")

    monkeypatch.setattr(i18n.tomllib, "loads", no_toml)
    assert i18n.load_folder(folder, cache) == first


def test_an_edited_or_added_file_is_parsed_afresh(tmp_path: Path) -> None:
    from kfdesk import i18n

    folder, cache = _lang_folder(tmp_path), tmp_path / "cache"
    i18n.load_folder(folder, cache)
    (folder / "b.toml").write_text('bye = "回见"\n', encoding="utf-8")
    assert i18n.load_folder(folder, cache)["bye"] == "回见"
    (folder / "c.toml").write_text('new = "新"\n', encoding="utf-8")
    assert i18n.load_folder(folder, cache)["new"] == "新"
    assert len(list(cache.glob("i18n-zh-*.json"))) == 1  # the stale ones are gone


def test_a_damaged_or_unwritable_cache_only_costs_the_parse(tmp_path: Path) -> None:
    from kfdesk import i18n

    folder, cache = _lang_folder(tmp_path), tmp_path / "cache"
    i18n.load_folder(folder, cache)
    (stored,) = cache.glob("i18n-zh-*.json")
    stored.write_text("{not json", encoding="utf-8")
    assert i18n.load_folder(folder, cache)["ui.hello"] == "你好"
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")  # a file where the cache folder should be
    assert i18n.load_folder(folder, blocked / "cache")["bye"] == "再见"
    assert i18n.load_folder(folder, None)["bye"] == "再见"


def test_kfdesk_cache_variable_chooses_or_disables_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kfdesk import i18n

    monkeypatch.setenv("KFDESK_CACHE", str(tmp_path))
    assert i18n.cache_dir() == tmp_path
    monkeypatch.setenv("KFDESK_CACHE", "")
    assert i18n.cache_dir() is None
