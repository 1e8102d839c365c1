"""Importing an office's resident list from inside the app: a modal over F6 (residents).

The same import as ``kfdesk import residents FILE [--dry-run]`` (``kfdesk.residents_io``),
in four steps on one screen:

1. the file's path (Enter reads it; a missing, unreadable or non-CSV/XLSX file is refused in
   place, under the path);
2. the **column-mapping preview**: on the left every field the import knows with the column
   of the file it is read from (``guess_mapping``'s proposal), ←→ on a field choosing another
   column or none; on the right the file's columns, the field each one feeds and the first
   rows under it. Required fields left unmapped are flagged and block the dry run;
3. ``d`` the **dry run** with that mapping: the counts by role and every bad row (line,
   column, reason) in a table; nothing is written;
4. ``i`` the **import**, only after a clean dry run with the same mapping on the unchanged
   file, and after a confirmation ("import N people into M units?"). The core imports all rows
   or none; on success the dialog closes with the result, and F6 reloads.

The dry run and the import run in a worker thread (a list of a few hundred households takes a
second or more): the dialog says it is checking or importing, its keys wait until it is done,
and the rest of the counter keeps painting.

Only a supervisor or manager opens it (``residents_io.IMPORT_ROLES``; ``open_import`` says why
to anyone else). Everything is read and written through ``kfdesk.residents_io``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from kfdesk.desk.base import DeskError, require_role
from kfdesk.i18n import t
from kfdesk.residents_io import (
    IMPORT_FIELDS,
    IMPORT_ROLES,
    PREVIEW_ROWS,
    ImportReport,
    SheetPreview,
    import_residents,
    missing_fields,
    preview_sheet,
)

from .base import DeskContext
from .common import translate_bindings
from .widgets.footer import DeskFooter
from .widgets.inputs import DeskInput
from .widgets.table import Cell, Column, FitTable

if TYPE_CHECKING:
    from textual.app import App

# The order roles are counted in, as the counter lists a household.
ROLE_ORDER = ("owner", "family", "tenant", "other", "agent")
# What a dry run checked: the file's path, its stamp (size, mtime) and the mapping.
Signature = tuple[str, tuple[int, int] | None, tuple[tuple[str, int], ...]]
REQUIRED = ("name", "unit")  # marked "*"; building + entrance + room may stand for the unit


def role_label(role: str) -> str:
    return t("residents.role.agent") if role == "agent" else t(f"occupancy.{role}")


def roles_text(by_role: Mapping[str, int]) -> str:
    """``业主 2、家属 1`` — the rows by role, in the household's order."""
    order = sorted(by_role, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)
    return t("ui.resident_import.list_sep").join(
        f"{role_label(r)} {by_role[r]}" for r in order if by_role[r])


def field_label(field: str) -> str:
    return t(f"residents_io.col.{field}")


def refusal(staff: object) -> str | None:
    """Why this member of staff may not import (the core's refusal and who may), or None."""
    if staff is None:
        return t("ui.resident_import.refused", reason="",
                 roles=t("ui.resident_import.list_sep").join(t(f"role.{r}")
                                                            for r in IMPORT_ROLES))
    try:
        require_role(staff, IMPORT_ROLES, "residents.import")  # type: ignore[arg-type]
    except DeskError as exc:
        return t("ui.resident_import.refused", reason=exc.message(),
                 roles=t("ui.resident_import.list_sep").join(t(f"role.{r}")
                                                            for r in IMPORT_ROLES))
    return None


def open_import(app: App, done: Callable[[str | None], None]) -> bool:
    """Open the import dialog for a supervisor or manager; ``done`` gets the result line after
    an import (None when nothing was imported). Anyone else is told why and no dialog opens."""
    why = refusal(app.session.staff)  # type: ignore[attr-defined]
    if why is not None:
        app.notify(why, severity="error")
        return False
    app.push_screen(ResidentImportScreen(), done)
    return True


def _stamp(path: str) -> tuple[int, int] | None:
    """When the file was last changed and its size: a file edited after the dry run must be
    checked again before it is imported."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class FieldTable(FitTable):
    """The mapping: one row per field; ←/→ choose the field's column (or none), x none."""

    BINDINGS: ClassVar = [
        # One entry in the footer for both arrows (the left one is not shown).
        Binding("right", "column(1)", "ui.resident_import.key.column", key_display="←→",
                id="import.column_next"),
        Binding("left", "column(-1)", "ui.resident_import.key.column", show=False,
                id="import.column_prev"),
        # Frees a column another field should take (a taken column is skipped by ←→).
        Binding("x", "column(0)", "ui.resident_import.key.clear", id="import.column_clear"),
    ]

    class Cycle(Message):
        """Choose the next (+1) or previous (-1) column for the field under the cursor, or
        none (0)."""

        def __init__(self, field: str, step: int) -> None:
            super().__init__()
            self.field = field
            self.step = step

    def __init__(self, columns: list[Column], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(columns, id=id)
        translate_bindings(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "column" and getattr(self.screen, "busy", False):
            return False  # the mapping stays as it is being checked or imported
        return super().check_action(action, parameters)

    def action_column(self, step: int) -> None:
        field = self.selected_key()
        if field is not None:
            self.post_message(self.Cycle(field, step))


class ImportConfirm(ModalScreen[bool]):
    """"Import N people into M units?": Enter imports, Esc goes back to the dialog."""

    CSS = """
    ImportConfirm { align: center middle; }
    ImportConfirm > #imp-confirm {
        width: 72; max-width: 95%; height: auto; border: round $warning;
        background: $surface; padding: 0 1;
    }
    ImportConfirm #imp-confirm-title { text-style: bold; margin-bottom: 1; }
    ImportConfirm #imp-confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("enter", "confirm", "ui.resident_import.key.confirm", id="import.confirm"),
        Binding("escape", "cancel", "ui.key.cancel", id="import.confirm_cancel"),
    ]

    def __init__(self, title: str, about: str) -> None:
        super().__init__()
        translate_bindings(self)
        self._title = title
        self._about = about

    def compose(self) -> ComposeResult:
        with Vertical(id="imp-confirm"):
            yield Static(self._title, id="imp-confirm-title")
            yield Static(self._about, id="imp-confirm-about")
            yield Static(t("ui.resident_import.confirm_keys"), id="imp-confirm-keys")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ResidentImportScreen(DeskContext, ModalScreen[str | None]):
    """The import dialog; returns the result line after an import, None otherwise."""

    MODE = "resident_import"  # F1 reads ui.help.resident_import and ui.title.resident_import
    # Screen CSS, not DEFAULT_CSS: the one-line path box must win over app.tcss's DeskInput.
    CSS = """
    ResidentImportScreen { align: center middle; }
    ResidentImportScreen > #imp-box {
        width: 96%; height: 94%; border: round $accent; background: $surface; padding: 0 1;
        border-title-style: bold; border-title-color: $text;
    }
    ResidentImportScreen.-narrow > #imp-box { width: 100%; height: 100%; }
    ResidentImportScreen #imp-file { height: 1; margin-bottom: 1; }
    ResidentImportScreen .imp-line { height: auto; display: none; }
    ResidentImportScreen #imp-path-error { color: $error; margin-bottom: 1; }
    ResidentImportScreen #imp-message { color: $warning; text-style: bold; }
    ResidentImportScreen .imp-label { width: auto; padding-right: 1; color: $text-muted; }
    ResidentImportScreen #imp-path {
        height: 1; border: none; padding: 0 1; width: 1fr; background: $boost;
    }
    ResidentImportScreen #imp-path:focus { background: $accent 25%; }
    ResidentImportScreen #imp-status { height: auto; }
    ResidentImportScreen #imp-note { height: auto; color: $text-muted; }
    ResidentImportScreen #imp-panes { height: 17; }
    ResidentImportScreen #imp-fields-pane { width: 50; height: 100%; }
    ResidentImportScreen #imp-preview-pane { width: 1fr; height: 100%; }
    ResidentImportScreen.-narrow #imp-panes { height: 1fr; }
    ResidentImportScreen.-narrow #imp-fields-pane { width: 1fr; }
    ResidentImportScreen.-narrow #imp-preview-pane { display: none; }
    ResidentImportScreen #imp-flag { color: $error; text-style: bold; }
    ResidentImportScreen #imp-errors-pane { height: 1fr; min-height: 5; }
    ResidentImportScreen #imp-reason { color: $text-muted; }
    ResidentImportScreen FitTable { height: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("d", "dry_run", "ui.resident_import.key.dry_run", id="import.dry_run"),
        Binding("i", "run_import", "ui.resident_import.key.import", id="import.run"),
        Binding("o", "other_file", "ui.resident_import.key.file", id="import.file"),
        Binding("escape", "close", "ui.key.close", id="import.close"),
        # A modal stops the app's keys; F1 is passed on so help shows this dialog's keys.
        Binding("f1", "help", "ui.key.help", id="import.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._preview: SheetPreview | None = None
        self._stamp: tuple[int, int] | None = None
        self._mapping: dict[str, int] = {}
        self._report: ImportReport | None = None
        # What the last clean dry run checked: (path, file stamp, mapping). The import runs
        # only while all three are unchanged.
        self._clean: Signature | None = None
        self._remapped = False  # the mapping changed after a dry run (until the next one)
        self._busy = False  # a dry run or the import is running (its worker thread)

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="imp-box") as box:
            box.border_title = t("ui.title.resident_import")
            with Horizontal(id="imp-file"):
                yield Static(t("ui.resident_import.file"), classes="imp-label")
                yield DeskInput(placeholder=t("ui.resident_import.path_placeholder"),
                                id="imp-path")
            # A file that cannot be read is refused here, under its path.
            yield Static("", id="imp-path-error", classes="imp-line")
            yield Static(t("ui.resident_import.about"), id="imp-status")
            with Horizontal(id="imp-panes"):
                with Vertical(id="imp-fields-pane", classes="panel") as left:
                    left.border_title = t("ui.resident_import.fields_title")
                    # The field names are never cut (" *" marks the required ones).
                    names = max(cell_len(field_label(f)) for f in IMPORT_FIELDS) + 2
                    # Nor the words for an unmapped field: the example column goes first.
                    unmapped = max(cell_len(t(f"ui.resident_import.{k}")) for k in (
                        "not_imported", "required_missing", "role_default"))
                    yield FieldTable([
                        Column("field", t("ui.resident_import.col.field"), min=names,
                               max=names),
                        Column("column", t("ui.resident_import.col.column"),
                               min=max(8, min(unmapped, 22)), max=22, flex=1),
                        Column("sample", t("ui.resident_import.col.sample"), min=6, max=18,
                               flex=1, drop=1),
                    ], id="imp-fields")
                with Vertical(id="imp-preview-pane", classes="panel") as right:
                    right.border_title = t("ui.resident_import.preview_title", n=PREVIEW_ROWS)
            yield Static(t("ui.resident_import.required_note"), id="imp-note")
            yield Static("", id="imp-flag", classes="imp-line")
            # Why a key was refused, or what changed (the mapping, the file) since the dry run.
            yield Static("", id="imp-message", classes="imp-line")
            yield Static("", id="imp-result", classes="imp-line")
            with Vertical(id="imp-errors-pane", classes="panel") as errors:
                errors.border_title = t("ui.resident_import.errors_title")
                yield FitTable([
                    Column("line", t("ui.resident_import.col.line"), min=4, max=6, right=True),
                    Column("column", t("ui.resident_import.col.where"), min=4, max=16),
                    Column("reason", t("ui.resident_import.col.reason"), min=20, flex=1),
                ], id="imp-errors")
            yield Static("", id="imp-reason", classes="imp-line")
        yield DeskFooter()

    def on_mount(self) -> None:
        for wid in ("#imp-panes", "#imp-note", "#imp-errors-pane"):
            self.query_one(wid).display = False
        self.query_one("#imp-path", Input).focus()

    def on_resize(self, event: events.Resize) -> None:
        # Below 100 columns (80×24) the file's own columns are left out: the mapping table
        # keeps a first-row example of each field, and the dialog keeps its keys.
        self.set_class(event.size.width < 100, "-narrow")

    @property
    def busy(self) -> bool:
        """A dry run or the import is running (its worker thread)."""
        return self._busy

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._busy and action in ("dry_run", "run_import", "other_file", "close"):
            return False  # the running check or import finishes first (it says so)
        if action in ("dry_run", "run_import", "other_file"):
            return self._preview is not None  # nothing to check before a file is read
        return True

    # ---- small helpers ----------------------------------------------------------------------

    def _line(self, wid: str, text: str | Text = "") -> None:
        """One of the dialog's message lines; an empty one takes no room."""
        line = self.query_one(wid, Static)
        line.update(text)
        line.display = bool(text)

    def _say(self, text: str = "") -> None:
        """Why a key was refused or what changed, above the result (nothing was saved)."""
        self._line("#imp-message", text)

    def _signature(self) -> Signature:
        assert self._preview is not None
        return self._preview.path, self._stamp, tuple(sorted(self._mapping.items()))

    def _heading(self, index: int) -> str:
        assert self._preview is not None
        return (self._preview.headers[index]
                or t("ui.resident_import.unnamed", n=index + 1))

    # ---- 1. the file ------------------------------------------------------------------------

    @on(Input.Submitted, "#imp-path")
    async def _path_entered(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._line("#imp-path-error", t("ui.resident_import.path_needed"))
            return
        try:
            preview = preview_sheet(text)
        except DeskError as exc:
            # Not CSV/XLSX, missing, unreadable, empty: the file shown before stays.
            self._line("#imp-path-error", exc.message())
            return
        self._line("#imp-path-error")
        await self._show_file(preview, dict(preview.mapping))
        self.query_one("#imp-fields", FieldTable).focus()

    async def _show_file(self, preview: SheetPreview, mapping: dict[str, int]) -> None:
        """A file read: its mapping and preview drawn, any earlier result forgotten."""
        self._preview = preview
        self._stamp = _stamp(preview.path)
        self._mapping = mapping
        self._remapped = False
        self._forget_result()
        for wid in ("#imp-panes", "#imp-note"):
            self.query_one(wid).display = True
        self.query_one("#imp-status", Static).update(t(
            "ui.resident_import.read", file=Path(preview.path).name, line=preview.header_line,
            rows=preview.rows))
        # The file's columns are the preview table's columns: a new table for each file.
        pane = self.query_one("#imp-preview-pane")
        await pane.remove_children()
        # A heading is cut only when the columns cannot fit at all (the table then scrolls
        # sideways); the "which field" row counts in each column's natural width.
        first = max(4, cell_len(t("ui.resident_import.col.line")),
                    cell_len(t("ui.resident_import.mapped_row")))
        columns = [Column("line", t("ui.resident_import.col.line"), min=first, max=first)]
        columns += [Column(f"c{i}", self._heading(i),
                           min=max(4, min(cell_len(self._heading(i)), 16)), max=24, flex=1)
                    for i in range(len(preview.headers))]
        await pane.mount(FitTable(columns, id="imp-preview"))
        self._draw_mapping()
        self.refresh_bindings()

    def action_other_file(self) -> None:
        path = self.query_one("#imp-path", Input)
        path.focus()
        path.select_all()

    # ---- 2. the mapping ---------------------------------------------------------------------

    def _draw_mapping(self) -> None:
        preview = self._preview
        assert preview is not None
        missing = missing_fields(self._mapping)
        first = preview.sample[0][1] if preview.sample else ()
        rows: list[tuple[str, list[Cell]]] = []
        for field in IMPORT_FIELDS:
            label = field_label(field) + (" *" if field in REQUIRED else "")
            index = self._mapping.get(field)
            column: Cell
            if index is not None:
                column = (self._heading(index), "bold")
            elif field in missing:
                column = (t("ui.resident_import.required_missing"), "bold red")
            elif field == "role":
                column = (t("ui.resident_import.role_default"), "dim")
            else:
                column = (t("ui.resident_import.not_imported"), "dim")
            sample = first[index] if index is not None and index < len(first) else ""
            rows.append((field, [(label, "bold") if field in REQUIRED else label, column,
                                 sample]))
        self.query_one("#imp-fields", FieldTable).load(rows)
        # The preview: which field each column feeds, then the first rows as the import reads.
        feeds = {i: f for f, i in self._mapping.items()}
        mapped: list[Cell] = [(t("ui.resident_import.mapped_row"), "bold")]
        mapped += [(field_label(feeds[i]), "bold reverse") if i in feeds else ("—", "dim")
                   for i in range(len(preview.headers))]
        table_rows: list[tuple[str, list[Cell]]] = [("map", mapped)]
        table_rows += [(f"l{line}", [str(line), *cells]) for line, cells in preview.sample]
        self.query_one("#imp-preview", FitTable).load(table_rows)
        flag = ""
        if missing:
            flag = t("ui.resident_import.blocked", fields=t("ui.resident_import.list_sep").join(
                field_label(f) for f in missing))
        self._line("#imp-flag", flag)

    @on(FieldTable.Cycle)
    def _cycle(self, event: FieldTable.Cycle) -> None:
        """The field's next (or previous) column, or none; a column already feeding another
        field is skipped (one column feeds one field: x frees it there first)."""
        if self._preview is None:
            return
        choices: list[int | None] = [None, *range(len(self._preview.headers))]
        taken = {i for f, i in self._mapping.items() if f != event.field}
        at = choices.index(self._mapping.get(event.field))
        pick: int | None = None
        for k in range(1, len(choices) + 1) if event.step else ():
            pick = choices[(at + event.step * k) % len(choices)]
            if pick is None or pick not in taken:
                break
        if pick == self._mapping.get(event.field):
            return
        if pick is None:
            self._mapping.pop(event.field, None)
        else:
            self._mapping[event.field] = pick
        self._remapped = self._remapped or self._report is not None
        self._forget_result()
        self._draw_mapping()
        if self._remapped:
            self._say(t("ui.resident_import.mapping_changed"))

    # ---- 3. the dry run ---------------------------------------------------------------------

    def _forget_result(self) -> None:
        self._report = None
        self._clean = None
        self._line("#imp-result")
        self.query_one("#imp-errors", FitTable).load([])
        self.query_one("#imp-errors-pane").display = False
        self._line("#imp-reason")
        self._say()

    async def _current_file(self) -> bool:
        """Re-read the file when it changed since it was read: same headings keep the mapping;
        new headings get a new guess, to be checked first (False)."""
        assert self._preview is not None
        if _stamp(self._preview.path) == self._stamp:
            return True
        try:
            preview = preview_sheet(self._preview.path)
        except DeskError as exc:
            self._say(exc.message())
            return False
        same = preview.headers == self._preview.headers
        await self._show_file(preview, self._mapping if same else dict(preview.mapping))
        if not same:
            self._say(t("ui.resident_import.headers_changed"))
        return same

    def _start(self, dry_run: bool) -> None:
        """The core's import with this mapping, in a worker thread; ``_finished`` shows it."""
        assert self._preview is not None
        self._busy = True
        checked = self._signature()  # what this run checks: path, file stamp, mapping
        self.refresh_bindings()
        self.query_one("#imp-path", Input).disabled = True
        self._line("#imp-result", Text(t(
            "ui.resident_import.checking" if dry_run else "ui.resident_import.importing",
            rows=self._preview.rows), style="bold"))
        self._work(self._preview.path, dict(self._mapping), dry_run, checked)

    @work(thread=True, exclusive=True, group="resident_import", exit_on_error=False)
    def _work(self, path: str, mapping: dict[str, int], dry_run: bool,
              checked: Signature) -> None:
        from kfdesk.models import database

        s = self.desk.session
        try:
            report: ImportReport | str = import_residents(
                path, s.staff, s.clock, s.settings, mapping=mapping, dry_run=dry_run)
        except DeskError as exc:  # refused as a whole (the file went, the role): said in place
            report = exc.message()
        except Exception as exc:  # noqa: BLE001 - said in place, never a silent stop
            report = t("ui.resident_import.failed", reason=str(exc))
        finally:
            database.obj.close()  # this thread's own connection
        self.app.call_from_thread(self._finished, report, dry_run, checked)

    def _finished(self, report: ImportReport | str, dry_run: bool,
                  checked: Signature,
                  ) -> None:
        self._busy = False
        if not self.is_attached:
            return  # the counter was switched off or the user changed meanwhile
        self.query_one("#imp-path", Input).disabled = False
        self._line("#imp-result")
        self.refresh_bindings()
        if isinstance(report, str):
            self._say(report)
        elif dry_run:
            self._show_report(report)
            if report.ok:
                self._clean = checked
        elif not report.ok:
            # Something changed in the store since the dry run (another counter registered
            # a person): all or nothing, so nothing was written; every bad row is shown.
            self._clean = None
            self._show_report(report)
        else:
            self.dismiss(t("ui.resident_import.done", n=report.imported, units=report.units,
                           roles=roles_text(report.by_role)))

    async def action_dry_run(self) -> None:
        if self._preview is None or not await self._current_file():
            return
        if missing_fields(self._mapping):
            self._say(t("ui.resident_import.blocked_key"))  # the flag above says which
            return
        self._forget_result()
        self._remapped = False
        self._start(dry_run=True)

    def _show_report(self, report: ImportReport) -> None:
        self._report = report
        roles = roles_text(report.by_role)
        if report.ok:
            self._line("#imp-result", Text(t(
                "ui.resident_import.dry_ok", rows=report.rows, n=sum(report.by_role.values()),
                units=report.units, roles=roles), style="bold green"))
            # Back to the mapping (the errors table it may have been in is gone).
            self.query_one("#imp-fields", FieldTable).focus()
            return
        bad = len({e.line for e in report.errors})
        key = "ui.resident_import.dry_bad" if report.dry_run else "ui.resident_import.import_bad"
        text = Text(t(key, bad=bad, rows=report.rows), style="bold red")
        if roles:
            text.append(" " + t("ui.resident_import.would_import", roles=roles))
        self._line("#imp-result", text)
        self.query_one("#imp-errors-pane").display = True
        table = self.query_one("#imp-errors", FitTable)
        table.load([(f"e{i}", [str(e.line), e.column, e.reason])
                    for i, e in enumerate(report.errors)])
        table.focus()
        self._show_reason()

    @on(DataTable.RowHighlighted, "#imp-errors")
    def _show_reason(self) -> None:
        """The highlighted bad row's reason in full, under the table (a cell may be cut)."""
        key = self.query_one("#imp-errors", FitTable).selected_key()
        line = ""
        if self._report is not None and key is not None:
            e = self._report.errors[int(key[1:])]
            line = t("ui.resident_import.reason_line", line=e.line, column=e.column,
                     reason=e.reason)
        self._line("#imp-reason", line)

    # ---- 4. the import ----------------------------------------------------------------------

    async def action_run_import(self) -> None:
        if self._preview is None:
            return
        if self._clean is None or self._report is None or not self._report.ok:
            self._say(t("ui.resident_import.dry_first"))
            return
        if not await self._current_file() or self._clean != self._signature():
            # Edited since the dry run: it is read again and must be checked again.
            self._forget_result()
            self._say(t("ui.resident_import.file_changed"))
            return
        report = self._report
        n = sum(report.by_role.values())

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(dry_run=False)

        self.app.push_screen(ImportConfirm(
            t("ui.resident_import.confirm_title", n=n, units=report.units),
            t("ui.resident_import.confirm_about", file=Path(report.path).name,
              roles=roles_text(report.by_role))), answered)

    # ---- closing ----------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.desk.action_help()
