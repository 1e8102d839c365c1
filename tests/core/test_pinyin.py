"""Name pinyin for the resident search: surnames read as surnames, derived search fields."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from kfdesk.pinyin import name_pinyin, search_fields, set_person_search_fields


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("曾国藩", "zengguofan", "zgf"),  # 曾 as a surname is zeng, not ceng
        ("单雄信", "shanxiongxin", "sxx"),  # 单 shan, not dan
        ("解缙", "xiejin", "xj"),  # 解 xie, not jie
        ("区小红", "ouxiaohong", "oxh"),  # 区 ou, not qu
        ("仇英", "qiuying", "qy"),
        ("朴志勇", "piaozhiyong", "pzy"),
        ("查良镛", "zhaliangyong", "zly"),
        ("盖聂", "genie", "gn"),
        ("乐嘉", "yuejia", "yj"),
        ("覃宇", "qinyu", "qy"),
        ("翟学军", "zhaixuejun", "zxj"),
        ("缪海", "miaohai", "mh"),
        ("欧阳修", "ouyangxiu", "oyx"),
        ("司马光", "simaguang", "smg"),
        ("诸葛亮", "zhugeliang", "zgl"),
        ("上官婉儿", "shangguanwaner", "sgwe"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("尉缭", "weiliao", "wl"),  # single 尉 is wei
        ("吕秀兰", "lvxiulan", "lxl"),  # ü typed as v
        ("王建国", "wangjianguo", "wjg"),
    ],
)
def test_name_pinyin(name: str, full: str, initials: str) -> None:
    assert name_pinyin(name) == (full, initials)


def test_name_pinyin_edges() -> None:
    assert name_pinyin("") == ("", "")
    assert name_pinyin("  曾国藩 ") == ("zengguofan", "zgf")
    assert name_pinyin("Tom Li") == ("tomli", "tl")
    # A bare two-character 单于 is surname 单 + given name 于, not the compound surname.
    assert name_pinyin("单于") == ("shanyu", "sy")
    assert name_pinyin("阿依古丽·买买提")[1].startswith("aygl")


def test_search_fields() -> None:
    fields = search_fields("曾国藩", "44030519800101123x", "138-2647-5678")
    assert fields == {
        "pinyin": "zengguofan",
        "initials": "zgf",
        "id_last4": "123X",
        "phone_last4": "5678",
    }
    assert search_fields("张三")["id_last4"] == ""


def test_set_person_search_fields() -> None:
    person = SimpleNamespace(name="欧阳修", id_number="110105194912310029", phone="0755-86001234",
                             pinyin="", initials="", id_last4="", phone_last4="")
    assert set_person_search_fields(person) is person
    assert (person.pinyin, person.initials, person.id_last4, person.phone_last4) == (
        "ouyangxiu", "oyx", "0029", "1234")


def test_pypinyin_is_imported_lazily() -> None:
    # Start-up stays light: importing kfdesk.pinyin must not import pypinyin.
    import importlib

    saved = {k: v for k, v in sys.modules.items() if k == "pypinyin" or k.startswith("pypinyin.")}
    for key in saved:
        del sys.modules[key]
    sys.modules.pop("kfdesk.pinyin", None)
    try:
        importlib.import_module("kfdesk.pinyin")
        assert "pypinyin" not in sys.modules
    finally:
        sys.modules.update(saved)
