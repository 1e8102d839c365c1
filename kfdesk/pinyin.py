"""Pinyin for people's names, and the derived search fields of a person.

The counter finds a resident by typing ``zgf`` or ``zengguofan`` for 曾国藩, the last four digits
of an ID number or of a phone. These keys are computed once, when a person is saved
(``set_person_search_fields``), never per keystroke.

A surname is read with its surname reading (曾 zeng, not ceng; 单 shan, not dan; 区 ou, not qu),
which ``pypinyin`` alone gets wrong: the first one or two characters go through the surname table
below, the given name through ``pypinyin``. ``pypinyin`` takes ~0.4 s to import, so it is
imported on first use, keeping start-up light.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# 复姓: checked first, so 欧阳修 is ouyang + xiu, not the single surname 欧.
COMPOUND_SURNAMES: dict[str, tuple[str, ...]] = {
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"), "尉迟": ("yu", "chi"), "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"), "东方": ("dong", "fang"), "皇甫": ("huang", "fu"),
    "令狐": ("ling", "hu"), "慕容": ("mu", "rong"), "夏侯": ("xia", "hou"),
    "司徒": ("si", "tu"), "司空": ("si", "kong"), "公孙": ("gong", "sun"),
    "宇文": ("yu", "wen"), "澹台": ("tan", "tai"), "单于": ("chan", "yu"),
    "轩辕": ("xuan", "yuan"), "端木": ("duan", "mu"), "南宫": ("nan", "gong"),
    "西门": ("xi", "men"), "闻人": ("wen", "ren"), "呼延": ("hu", "yan"),
    "赫连": ("he", "lian"), "申屠": ("shen", "tu"), "太史": ("tai", "shi"),
    "钟离": ("zhong", "li"), "百里": ("bai", "li"), "拓跋": ("tuo", "ba"),
    "独孤": ("du", "gu"), "公冶": ("gong", "ye"), "濮阳": ("pu", "yang"),
    "乐正": ("yue", "zheng"), "宗政": ("zong", "zheng"), "左丘": ("zuo", "qiu"),
    "东郭": ("dong", "guo"), "亓官": ("qi", "guan"), "第五": ("di", "wu"),
}

# Single surnames whose surname reading differs from the character's everyday reading.
SURNAMES: dict[str, str] = {
    "曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou", "朴": "piao",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "翟": "zhai", "缪": "miao",
    "尉": "wei", "秘": "bi", "种": "chong", "召": "shao", "繁": "po", "句": "gou",
    "员": "yun", "阚": "kan", "能": "nai", "隗": "wei", "折": "she", "薄": "bo",
    "黑": "he", "乜": "nie", "都": "du", "藏": "zang", "角": "jue", "卜": "bu",
    "长": "chang", "重": "chong", "便": "pian", "蕃": "pi", "祭": "zhai", "宓": "mi",
    "沈": "shen", "柏": "bai", "任": "ren", "华": "hua", "洗": "xian", "冼": "xian",
    "相": "xiang", "谌": "chen", "盛": "sheng", "燕": "yan", "贾": "jia", "葛": "ge",
    "褚": "chu", "牟": "mou", "莘": "shen", "尹": "yin", "曲": "qu", "强": "qiang",
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")


def _surname(name: str) -> tuple[int, tuple[str, ...]]:
    """How many leading characters are the surname, and their syllables (() if not in a table)."""
    # A compound surname needs a given name after it: a bare 单于 is 单 + 于.
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return 2, COMPOUND_SURNAMES[name[:2]]
    if name[:1] in SURNAMES:
        return 1, (SURNAMES[name[0]],)
    return 0, ()


@lru_cache(maxsize=4096)
def _han(run: str) -> tuple[str, ...]:
    """Syllables of a run of Han characters (given names repeat: cached)."""
    from pypinyin import Style, lazy_pinyin

    # NORMAL style: no tones, ü written as v (lv), which is how it is typed.
    return tuple(lazy_pinyin(run, style=Style.NORMAL))


def _syllables(text: str) -> list[str]:
    """Pinyin syllables of Han runs, lowercased words of everything else (Latin names, digits)."""
    out: list[str] = []
    pos = 0
    for match in _HAN.finditer(text):
        out.extend(_WORD.findall(text[pos : match.start()].lower()))
        out.extend(_han(match.group()))
        pos = match.end()
    out.extend(_WORD.findall(text[pos:].lower()))
    return out


def name_pinyin(name: str) -> tuple[str, str]:
    """The full pinyin and the initials of a name: 曾国藩 → ("zengguofan", "zgf").

    Lowercase, without tones or spaces; ü is written ``v`` (吕 → "lv"). Separators such as the
    middle dot of transliterated names are dropped; Latin letters and digits are kept as typed
    (lowercased), each word giving one initial.
    """
    text = name.strip()
    if not text:
        return "", ""
    length, surname = _surname(text)
    syllables = list(surname) + _syllables(text[length:]) if length else _syllables(text)
    syllables = [s for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _last4_digits(value: str) -> str:
    digits = [c for c in value if c.isdigit()]
    return "".join(digits[-4:])


def search_fields(name: str, id_number: str = "", phone: str = "") -> dict[str, str]:
    """The derived search keys of a person, as a dict of Person field values.

    ``pinyin``/``initials`` from the name (truncated to the column sizes), ``id_last4`` (an ID
    ending in X keeps it, uppercased) and ``phone_last4`` (last four digits of the phone, so
    ``0755-8600 1234`` gives ``1234``).
    """
    full, initials = name_pinyin(name)
    id_clean = "".join(id_number.split()).upper()
    return {
        "pinyin": full[:128],
        "initials": initials[:16],
        "id_last4": id_clean[-4:],
        "phone_last4": _last4_digits(phone),
    }


def set_person_search_fields(person: Any) -> Any:
    """Fill ``person``'s pinyin, initials, id_last4 and phone_last4 from name, ID and phone.

    The one place these derived fields are computed; call it before every save of a Person.
    Returns the person (not saved).
    """
    fields = search_fields(person.name, person.id_number or "", person.phone or "")
    for key, value in fields.items():
        setattr(person, key, value)
    return person
