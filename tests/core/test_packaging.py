"""``pip install .`` ships every package and its data (pyproject lists packages by hand)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    dirs = config["setuptools"]["package-dir"]
    found = set()
    for name, folder in dirs.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join((name, *rel.parts)) if rel.parts else name)
    assert found == listed


def test_tcss_and_data_files_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    patterns = config["setuptools"]["package-data"]
    data = ROOT / "data"
    shipped = {p for pattern in patterns["kfdesk_data"] for p in data.glob(pattern)}
    wanted = {p for p in data.rglob("*") if p.is_file() and p.suffix in (".toml", ".csv")}
    assert wanted <= shipped
    screens = ROOT / "screens"
    shipped_css = {p for pattern in patterns["kfdesk_screens"] for p in screens.glob(pattern)}
    assert set(screens.rglob("*.tcss")) <= shipped_css
