"""Printing a counter document: to the configured printer command, or to a UTF-8 text file.

Receipts, payment notices, arrears notices, hand-over slips and day sheets are plain text with
Chinese in it. ``printing.command`` (e.g. ``lp -d counter``) receives the text on its standard
input, encoded UTF-8; with no command the text is written to a file in the office's print
folder — beside the SQLite file (``prints/``), or in the user data folder for a server
database — where the clerk can open or print it. Callers write their own audit event (what was
printed, for whom) inside their transaction; this module only delivers the text.

Every printed document speaks the office's **document language** (``office.document_language``,
default zh), whatever language the clerk's screen is in (issue 17): the resident and finance
keep paper in the office's language (``document_language``). Every document starts with the
office's name, address and phone from the settings (``office_header``), and an item's name
wraps inside its column instead of pushing the amount off the line (``item_lines``).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import unicodedata
from pathlib import Path

from .config import Settings, user_data_dir
from .desk.base import DeskError

# A printer command that hangs (a queue that never answers) must not freeze the counter.
COMMAND_TIMEOUT_S = 30


def cells(text: str) -> int:
    """Terminal/printer cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` cells (Chinese counts double)."""
    return text + " " * max(width - cells(text), 0)


def spread(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line of ``width`` cells, ``right`` flush right (an item
    and its amount on a receipt); at least two spaces between them."""
    return left + " " * max(width - cells(left) - cells(right), 2) + right


def right(text: str, width: int) -> str:
    """``text`` flush right in ``width`` cells."""
    return " " * max(width - cells(text), 0) + text


def centre(text: str, width: int) -> str:
    """``text`` centred in ``width`` cells (left part only: no trailing spaces)."""
    return " " * max((width - cells(text)) // 2, 0) + text


# A word for wrapping: a run of Latin letters, digits and punctuation; every CJK character
# and full-width sign stands alone (Chinese breaks between any two characters).
_TOKEN = re.compile(r"\s+|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|\S")


def wrap(text: str, width: int) -> list[str]:
    """Cut ``text`` into lines of at most ``width`` cells: between words, between Chinese
    characters, and through a word only when it is longer than a line."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if token.isspace():
            if line and cells(line) < width:
                line += " "
            continue
        if cells(line) + cells(token) > width and line.strip():
            lines.append(line.rstrip())
            line = ""
        while cells(token) > width:  # a word longer than the line: cut it
            cut, used = "", 0
            for ch in token:
                if used + cells(ch) > width:
                    break
                cut += ch
                used += cells(ch)
            lines.append(cut)
            token = token[len(cut):]
        line += token
    lines.append(line.rstrip())
    return lines


def document_language(settings: Settings) -> str:
    """The language documents are printed in (``office.document_language``; zh when unset)."""
    office = settings.data.get("office", {})
    lang = str(office.get("document_language") or "zh")
    return lang if lang in ("zh", "en") else "zh"


def office_header(settings: Settings, width: int, lang: str | None = None) -> list[str]:
    """The office's name, then its address and phone, centred in ``width`` cells — the top
    of every printed document. An address or phone not set in the settings prints as a line
    to write on, so the paper never goes out without them."""
    from .i18n import t  # the catalogue is loaded only when something is printed

    office = settings.data.get("office", {})
    blank = "_" * 12
    address = t("document.address", lang=lang,
                address=str(office.get("address") or "").strip() or blank)
    phone = t("document.phone", lang=lang,
              phone=str(office.get("phone") or "").strip() or blank)
    out = [centre(str(office.get("name") or ""), width)]
    # One line when both fit, else the address and the phone each on its own.
    both = address + "  " + phone
    for line in [both] if cells(both) <= width else [address, phone]:
        out.extend(centre(part, width) for part in wrap(line, width))
    return out


def item_lines(name: str, amount: str, width: int, indent: int = 2) -> list[str]:
    """An item and its amount in ``width`` cells: the amount flush right on the first line,
    the name wrapped in the cells left of it (continuation lines indented), so a long name
    never runs into the amount column."""
    room = max(width - cells(amount) - 2 - indent, 8)
    first, *rest = wrap(name, room)
    return [spread(first, amount, width)] + [" " * indent + line for line in rest]


def print_folder(db_target: str) -> Path:
    """Where printed files go: ``prints/`` beside the SQLite file, or the user data folder's
    ``prints/`` for a ``postgresql://`` store (no local file to sit beside)."""
    if "://" in db_target:
        return user_data_dir() / "prints"
    return Path(db_target).expanduser().resolve().parent / "prints"


def safe_name(text: str) -> str:
    """A file name part from a number or a unit code (``2026-000123``, ``3-1-502``)."""
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "document"


def deliver(text: str, name: str, folder: Path, settings: Settings) -> str:
    """Send ``text`` to the printer command, else write ``folder/name``; returns where it went
    (the command line, or the file path), for the clerk's message and the audit event.

    Raises ``DeskError("print.failed")`` with the reason when the printer refuses or the file
    cannot be written; nothing is half-delivered that the caller would then record as printed.
    """
    command = str(settings.get("printing.command") or "").strip()
    if command:
        try:
            done = subprocess.run(shlex.split(command), input=text.encode("utf-8"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  timeout=COMMAND_TIMEOUT_S, check=False)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise DeskError("print.failed", where=command, reason=str(exc)) from exc
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            raise DeskError("print.failed", where=command, reason=reason)
        return command
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A receipt names the payer and the unit: owner-only, like the database (issue 19).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise DeskError("print.failed", where=str(path), reason=exc.strerror or str(exc)) from exc
    return str(path)
