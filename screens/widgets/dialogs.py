"""Small modal forms for one action on one record: dispatch, work order, completion, close-out.

``ActionDialog`` lays out a few fields (text, a one-line choice, several departments, a longer
note), hands the values to a function that calls a desk service, and shows the service's
refusal (``DeskError``) in place, beside the field it names, without closing — nothing was
saved. Ctrl+S (or Enter on the last field) confirms. Esc closes; when something was typed it
asks first (a second Esc drops it), as UX.md wants for every form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from kfdesk.desk.base import DeskError
from kfdesk.i18n import t

from ..common import translate_bindings
from .choice import ChoiceField
from .inputs import DeskInput


class ErrorLine(Static):
    """The dialog's refusal line: takes no room while there is nothing to say (at 80×24 a
    blank line is a field fewer in view)."""

    def on_mount(self) -> None:
        self.display = False

    def update(self, content: object = "", *, layout: bool = True) -> None:
        super().update(content, layout=layout)  # type: ignore[arg-type]
        self.display = bool(str(content).strip())


class Field(NamedTuple):
    name: str
    label: str
    kind: str = "text"  # text | choice | multi | area
    options: Sequence[tuple[str, str]] = ()
    value: str = ""
    placeholder: str = ""


class MultiChoice(Widget, can_focus=True):
    """Several of a few options, all shown: ←/→ move, an option's number ticks it, Space
    toggles the one under the cursor.

    A number only ever ticks (issue 16): the dispatch dialog comes with the likely department
    already ticked, and a clerk who types its number to be sure must not untick it.
    """

    DEFAULT_CSS = """
    MultiChoice { height: auto; width: 1fr; background: $boost; padding: 0 1; }
    MultiChoice:focus { background: $accent 20%; }
    """

    cursor: reactive[int] = reactive(0)

    def __init__(self, options: Sequence[tuple[str, str]], chosen: Sequence[str] = (), *,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._options = list(options)
        self.chosen: list[str] = [v for v, _ in self._options if v in chosen]

    def render(self) -> Text:
        text = Text()
        for i, (value, label) in enumerate(self._options):
            mark = "☑" if value in self.chosen else "☐"
            style = "reverse" if self.has_focus and i == self.cursor else ""
            text.append(f"{i + 1}{mark}{label}", style=style)
            text.append("  ")
        return text

    def toggle(self, index: int) -> None:
        value = self._options[index][0]
        if value in self.chosen:
            self.chosen.remove(value)
        else:
            # Kept in the order chosen: the first is the lead department (KF-010 §4.3.2).
            self.chosen.append(value)
        self.refresh()

    def on_key(self, event: events.Key) -> None:
        if event.key == "left":
            self.cursor = (self.cursor - 1) % len(self._options)
        elif event.key == "right":
            self.cursor = (self.cursor + 1) % len(self._options)
        elif event.key == "space":
            self.toggle(self.cursor)
        elif event.character and event.character.isdigit() and event.is_printable:
            index = int(event.character) - 1
            if 0 <= index < len(self._options):
                self.cursor = index
                if self._options[index][0] not in self.chosen:
                    self.toggle(index)
        elif event.key == "enter":
            self.screen.focus_next()
        else:
            return
        event.stop()
        event.prevent_default()

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


# The widgets a clerk types or chooses in, as a query selector (``form_state``).
FORM_WIDGETS = "Input, TextArea, ChoiceField, MultiChoice"


def field_value(widget: Widget) -> str | list[str]:
    """What a clerk typed or chose in one form widget."""
    if isinstance(widget, ChoiceField):
        return widget.value or ""
    if isinstance(widget, MultiChoice):
        return list(widget.chosen)
    if isinstance(widget, TextArea):
        return widget.text
    return widget.value  # type: ignore[attr-defined]


def form_state(screen: Widget) -> tuple[str | list[str], ...]:
    """Every value typed or chosen on ``screen``, in order (a form without ``_dirty`` of its
    own is unsaved when this differs from how it opened)."""
    return tuple(field_value(w) for w in screen.query(FORM_WIDGETS))


class ActionDialog(ModalScreen[str | None]):
    """Returns what ``submit`` returned (a line to notify, or "") once it succeeded; None when
    the clerk backed out."""

    # Its styles are in app.tcss: a widget's DEFAULT_CSS yields to the app's own rules
    # (DeskInput's height there), and the dialog's inputs are one line high.


    BINDINGS = [
        Binding("ctrl+s", "confirm", "ui.key.confirm", id="dialog.confirm", priority=True),
        Binding("escape", "cancel", "ui.key.cancel", id="dialog.cancel", priority=True),
    ]

    def __init__(self, title: str, fields: Sequence[Field],
                 submit: Callable[[dict[str, str | list[str]]], str | None], *,
                 about: str = "") -> None:
        super().__init__()
        translate_bindings(self)
        self._title = title
        self._about = about
        self._fields = list(fields)
        self._submit = submit
        self._armed_cancel = False
        self._initial: dict[str, str | list[str]] = {}

    def compose(self) -> ComposeResult:
        # Scrolls when taller than the terminal (80×24): the focused field stays in view.
        with VerticalScroll(id="dlg-box", can_focus=False):
            yield Static(self._title, classes="dlg-title")
            if self._about:
                yield Static(self._about, classes="dlg-about")
            # The refusal above the fields, where it is seen however far the form scrolls.
            yield ErrorLine("", id="dlg-error")
            # The labels' column fits the longest label ("Foreman's phone" was cut at the
            # stylesheet's 12 cells), up to a third of the box.
            width = min(max([12, *(cell_len(f.label) + 1 for f in self._fields)]), 26)
            for f in self._fields:
                with Horizontal(classes="dlg-row"):
                    label = Static(f.label, classes="dlg-label")
                    label.styles.width = width
                    yield label
                    yield self._widget(f)
            # Docked to the box's bottom edge (app.tcss): it stays in view while a long form
            # scrolls above it, so the keys are always there at 80×24 (issue 16).
            yield Static(t("ui.dialog.keys"), id="dlg-keys")

    def _widget(self, f: Field) -> Widget:
        wid = f"f-{f.name}"
        if f.kind == "choice":
            return ChoiceField(f.options, f.value or None, id=wid)
        if f.kind == "multi":
            return MultiChoice(f.options, [v for v in f.value.split(",") if v], id=wid)
        if f.kind == "area":
            area = TextArea(f.value, id=wid, soft_wrap=True, show_line_numbers=False)
            area.cursor_blink = getattr(self.app, "cursor_blink_enabled", True)
            return area
        return DeskInput(f.value, placeholder=f.placeholder, id=wid)

    def values(self) -> dict[str, str | list[str]]:
        return {f.name: field_value(self.query_one(f"#f-{f.name}")) for f in self._fields}

    def _dirty(self) -> bool:
        """Whether anything differs from how the dialog opened (typed or chosen)."""
        return self.values() != self._initial

    def on_mount(self) -> None:
        self._initial = self.values()

    def action_confirm(self) -> None:
        error = self.query_one("#dlg-error", Static)
        try:
            done = self._submit(self.values())
        except DeskError as exc:
            error.update(exc.message())
            if exc.field and self.query(f"#f-{exc.field}"):
                self.query_one(f"#f-{exc.field}").focus()
            return
        except Exception as exc:
            # Issue 19: a write the database refused outside a service transaction (those
            # already say so as a DeskError) is one line here too; the dialog stays open.
            from kfdesk.desk.base import store_refused
            from kfdesk.errorlog import is_store_or_file_error

            if isinstance(exc, OSError) or not is_store_or_file_error(exc):
                raise
            error.update(store_refused(exc).message())
            return
        self.dismiss(done or "")

    def action_cancel(self) -> None:
        if self._dirty() and not self._armed_cancel:
            self._armed_cancel = True
            self.query_one("#dlg-error", Static).update(t("ui.dialog.drop_typed"))
            return
        self.dismiss(None)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = [w for w in self.query("DeskInput, ChoiceField, MultiChoice, TextArea")]
        if inputs and event.input is inputs[-1]:
            self.action_confirm()
        else:
            self.focus_next()

    def on_key(self, event: events.Key) -> None:
        if event.key != "escape":
            self._armed_cancel = False


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question before something that cannot be undone (dropping typed input):
    Enter or y answers yes, Esc or n no. The question, its consequence, and the keys."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > #cf-box {
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmDialog .cf-title { text-style: bold; margin-bottom: 1; }
    ConfirmDialog #cf-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("enter,y", "answer(True)", "ui.key.confirm", id="confirm.yes", priority=True),
        Binding("escape,n", "answer(False)", "ui.key.cancel", id="confirm.no", priority=True),
    ]
    AUTO_FOCUS = None

    def __init__(self, title: str, about: str, keys: str) -> None:
        super().__init__()
        translate_bindings(self)
        self._title = title
        self._about = about
        self._keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="cf-box", can_focus=False):
            yield Static(self._title, classes="cf-title")
            yield Static(self._about, id="cf-about")
            yield Static(self._keys, id="cf-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
