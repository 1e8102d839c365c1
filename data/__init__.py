"""Shipped data of kfdesk: default settings, translations, name lists for the demo.

Found beside this file, so an installed copy finds its own. A plain path rather than
``importlib.resources``: the package is always installed as files (never zipped), and that
import costs start-up time the counter pays on every launch.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def shipped(*parts: str) -> Path:
    """The path of a shipped file, e.g. ``shipped("i18n", "zh")``."""
    return HERE.joinpath(*parts)
