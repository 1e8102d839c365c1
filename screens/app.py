"""``KfDeskApp``: sign-in, the screen switcher (F1–F10), the command palette, the clock.

Each main screen is a Textual mode: created on first visit and kept alive, so switching is
instant; a screen re-reads its records each time it is shown. Bindings carry ids (so keys can
be remapped from settings later) and catalogue keys as descriptions (translated per instance).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from kfdesk.clock import FixedClock
from kfdesk.i18n import set_language, t
from kfdesk.session import Session

from .common import MAIN_MODES, translate_bindings, wrap_cells, ymd_hm
from .widgets.alert_bar import AlertBar

if TYPE_CHECKING:
    from kfdesk.models import Staff
    from kfdesk.rules import Alert


def _jump_provider() -> type:
    # The palette's searches load the read queries (kfdesk.views): not needed to paint
    # sign-in, so loaded when the palette first opens (Textual takes a provider factory).
    from .commands import JumpProvider

    return JumpProvider


def _unsaved(screen: Screen) -> bool:
    """A modal whose form differs from how it opened (a dialog says so itself)."""
    if not screen.is_modal:
        return False
    own = getattr(screen, "_dirty", None)
    if callable(own):
        return bool(own())
    from .widgets.dialogs import form_state

    opened = getattr(screen, "_kf_form_at_open", None)
    return opened is not None and form_state(screen) != opened


def _typed_on(screen: Screen) -> bool:
    """A main screen holding a form with typing not yet saved (a widget with ``dirty()``:
    the intake form)."""
    if screen.is_modal:
        return False
    for widget in screen.query("*"):
        dirty = getattr(widget, "dirty", None)
        if callable(dirty) and dirty():
            return True
    return False


def _lazy(module: str, name: str) -> Callable[[], Screen]:
    """A mode's screen, imported on its first visit: start-up loads only the first screen."""

    def make() -> Screen:
        return getattr(import_module(f"kfdesk_screens.{module}"), name)()

    return make


class KfDeskApp(App[None]):
    """The counter. ``signed_in`` skips the sign-in screen (the demo opens as the demo clerk);
    ``cursor_blink=False`` and a ``FixedClock`` make every frame reproducible for snapshots;
    ``paint_stamp``: write the wall-clock instant of the first painted frame to that file and
    quit (the start-up benchmark)."""

    # Each screen brings its own stylesheet (CSS_PATH on the screen), read when it is first
    # shown, so start-up parses only what the first frame needs. The first screen's comes
    # with the app's (``__init__``): a screen's stylesheet read on showing it makes Textual
    # parse the whole stylesheet once more from scratch before the first frame (issue 2).
    CSS_PATH: ClassVar = ["app.tcss"]
    TITLE = "kfdesk"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS: ClassVar = {_jump_provider}
    # Sign-in is a mode of its own, the first one.
    DEFAULT_MODE: ClassVar[str] = "signin"
    MODES: ClassVar = {
        "signin": _lazy("signin", "SignInScreen"),
        "intake": _lazy("intake", "IntakeScreen"),
        "dispatch": _lazy("dispatch", "DispatchScreen"),
        "callbacks": _lazy("callbacks", "CallbacksScreen"),
        "cashier": _lazy("cashier", "CashierScreen"),
        "residents": _lazy("residents", "ResidentsScreen"),
        "summary": _lazy("summary", "SummaryScreen"),
        "faults": _lazy("fault_notices", "FaultNoticesScreen"),
        "services": _lazy("services", "ServicesScreen"),
    }
    # The F-keys are priority bindings: they work over a register, a list or a dialog too
    # (a modal screen otherwise hides the app's keys) — a dialog with something typed in it
    # is not left behind unsaved (``_go``).
    BINDINGS: ClassVar = [
        Binding("f1", "help", "ui.key.help", id="app.help", priority=True),
        Binding("f2", "go('intake')", "ui.nav.intake", id="app.intake", priority=True),
        Binding("f3", "go('dispatch')", "ui.nav.dispatch", id="app.dispatch", priority=True),
        Binding("f4", "go('callbacks')", "ui.nav.callbacks", id="app.callbacks", priority=True),
        Binding("f5", "go('cashier')", "ui.nav.cashier", id="app.cashier", priority=True),
        Binding("f6", "go('residents')", "ui.nav.residents", id="app.residents", priority=True),
        Binding("f7", "go('summary')", "ui.nav.summary", id="app.summary", priority=True),
        Binding("f8", "alerts", "ui.key.alerts", id="app.alerts", priority=True),
        Binding("f9", "go('faults')", "ui.nav.faults", id="app.faults", priority=True),
        Binding("f10", "go('services')", "ui.nav.services", id="app.services", priority=True),
        Binding("ctrl+p", "command_palette", "ui.key.palette", id="app.palette",
                priority=True),
        # Priority, like the F-keys: the next person may take over with a dialog open; with
        # typing in it, Ctrl+L asks first.
        Binding("ctrl+l", "switch_user", "ui.key.switch_user", id="app.switch_user",
                priority=True),
        Binding("q", "quit", "ui.key.quit", id="app.quit", show=False),
        Binding("ctrl+q", "quit", "ui.key.quit", id="app.quit_ctrl", show=False, priority=True),
    ]

    clock_text: reactive[str] = reactive("")

    def __init__(
        self,
        session: Session,
        *,
        lang: str,
        signed_in: Staff | None = None,
        cursor_blink: bool = True,
        paint_stamp: str | None = None,
    ) -> None:
        set_language(lang)  # before any screen is composed or binding translated
        if signed_in is not None:
            # Open straight on intake: the sign-in screen is never built (start-up time).
            self.DEFAULT_MODE = "intake"
        first = "intake.tcss" if signed_in is not None else "signin.tcss"
        super().__init__(css_path=[*self.CSS_PATH, first])
        translate_bindings(self)
        self.session = session
        self.lang = lang
        if signed_in is not None:
            session.staff = signed_in
        self.cursor_blink_enabled = cursor_blink
        self._paint_stamp = paint_stamp
        # Why the store, left by the CLI to open after the first frame, could not be opened
        # (the CLI prints it as its one line and exits non-zero).
        self.store_error: str | None = None
        # What the alert bar shows: (counts, top item), from the deadline engine's last run;
        # nothing is shown as due until it has run once.
        self.alerts: tuple[dict[str, int], str | None] = ({}, None)
        self.alert_list: list[Alert] = []
        self.alerts_by_item: dict[tuple[str, int], Alert] = {}
        self.clock_text = self._clock_now()
        # Ctrl+L: (mode, place) of the last person, for the next one to land on.
        self._handover: tuple[str, dict[str, str]] | None = None
        # Type-ahead: keys waiting for the screen where the clerk is looking; the first
        # ``_rerouted`` were typed before the others (on the screen beneath a new dialog).
        self._typed_ahead: deque[events.Key] = deque()
        self._rerouted = 0
        self._flush_pending = False

    def get_key_display(self, binding: Binding) -> str:
        # Keys as printed on the keyboard (F1, Esc, ^P — not f1, esc, ^p), also after a remap.
        text = super().get_key_display(binding)
        if re.fullmatch(r"f\d{1,2}|\^[a-z]", text):
            return text.upper()
        return {"esc": "Esc", "enter": "Enter", "tab": "Tab"}.get(text, text)

    # ---- start, clock ------------------------------------------------------------------

    def on_mount(self) -> None:
        live = not isinstance(self.session.clock, FixedClock)
        refresh = max(5, int(self.session.settings.get("hours.refresh_seconds")))
        if live:
            self.set_interval(1, self._tick)
            self.set_interval(refresh, self._refresh_current)
        if self.session.staff is not None and self.current_mode == "signin":
            self.switch_mode("intake")
        if self._paint_stamp:
            return  # on_ready stamps the first frame and quits
        # The engine runs after the first frame, never before it (start-up stays light), and
        # then on the timer: others' writes and the passing of time both change what is due.
        self.call_after_refresh(self.request_refresh)
        self.set_interval(refresh, self.request_refresh)

    # ---- the deadline engine -------------------------------------------------------------

    def request_refresh(self) -> None:
        """Run the engine now (timer, start, and after every write a screen makes)."""
        if self.signed_in:
            self._run_engine()

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def _run_engine(self) -> None:
        # In a worker thread: typing never waits for it. Peewee gives this thread its own
        # connection, closed at the end so none is left behind per refresh.
        from kfdesk.desk.refresh import refresh
        from kfdesk.models import database

        try:
            alerts = refresh(self.session.clock.now(), self.session.settings, self.lang)
        except Exception as exc:  # noqa: BLE001 - a failed refresh must say so, not go quiet
            self.call_from_thread(self.notify, t("ui.alert.failed", reason=str(exc)),
                                  severity="error")
            database.obj.close()
            return
        self.call_from_thread(self.apply_alerts, alerts)
        from kfdesk.backup import run_daily_backup
        from kfdesk.desk.base import DeskError

        try:  # the daily backup (settings [backup]); after the alerts, never delaying them
            run_daily_backup(self.session.clock, self.session.settings, self.session.db_target)
        except DeskError as exc:  # shown once, then not retried for an hour
            self.call_from_thread(self.notify, exc.message(), severity="error")
        finally:
            database.obj.close()

    def apply_alerts(self, alerts: list[Alert]) -> None:
        from kfdesk.rules import counts  # loaded by the refresh worker by now

        from .alerts import headline, worst

        self.alert_list = alerts
        self.alerts_by_item = worst(alerts)
        # First-contact ownership (KF-006 §1): the bar names the signed-in clerk's own most
        # urgent item when there is one; the full list (F8) shows everyone's.
        me = self.session.staff.login if self.session.staff else ""
        top = next((a for a in alerts if a.owner == me), alerts[0] if alerts else None)
        self.post_alerts(counts(alerts), headline(top) if top else None)
        on_alerts = getattr(self.screen, "on_alerts", None)
        if on_alerts is not None:
            on_alerts()

    def action_alerts(self) -> None:
        from .alert_list import AlertsScreen

        if isinstance(self.screen, AlertsScreen):
            self.pop_screen()
            return
        if not self.signed_in:
            return
        lists = [s for s in self.screen_stack if isinstance(s, AlertsScreen)]
        if lists and not any(_unsaved(s) for s in self.screen_stack):
            # A ticket opened from the list (issue 16): F8 goes back to that list, not a
            # second one on top.
            while self.screen is not lists[-1]:
                self.pop_screen()
            return
        self.push_screen(AlertsScreen(self.alert_list, self.session.settings.zone),
                         self._jump_to_alert)

    async def _jump_to_alert(self, alert: Alert | None) -> None:
        if alert is not None:
            await self.jump_to(alert)

    async def jump_to(self, alert: Alert) -> None:
        """Open the record behind an alert: its ticket, callback, unit, or the summary."""
        if alert.item_kind == "ticket":
            await self.open_ticket(alert.item_ref)
        elif alert.item_kind == "callback":
            await self._go("callbacks")
            self.screen.show_callback(alert.item_id)  # type: ignore[attr-defined]
        elif alert.item_kind == "hand_over":
            await self._go("cashier")
        elif alert.item_kind == "service_order":
            await self._go("services")
            self.screen.show_order(alert.item_id)  # type: ignore[attr-defined]
        elif alert.item_kind == "fault_notice":
            await self._go("faults")
            self.screen.show_notice(alert.item_ref)  # type: ignore[attr-defined]
        elif alert.unit:
            await self.open_unit(alert.unit)
        else:  # periodic duties, fault notices without a unit, activities: the supervisor's
            await self._go("summary")

    def on_ready(self) -> None:
        """Textual's Ready: the first frame is on the screen."""
        if self._paint_stamp:
            import time
            from pathlib import Path

            Path(self._paint_stamp).write_text(repr(time.time()), encoding="utf-8")
            self.exit()
            return
        self.ensure_store()

    def ensure_store(self) -> bool:
        """Open the store if the CLI left it for after the first frame (it was ready as it
        is, so only the ORM is loaded and the file opened: about 80 ms while the clerk looks
        at sign-in). False, and the app closes with the reason, if it cannot be opened."""
        from kfdesk.storefile import StoreError

        try:
            self.session.open_store()
        except StoreError as exc:
            self.store_error = t(exc.key, **exc.params)
            self.exit(return_code=1)
            return False
        return True

    def _clock_now(self) -> str:
        return ymd_hm(self.session.clock.now().astimezone(self.session.settings.zone))

    def _tick(self) -> None:
        self.clock_text = self._clock_now()

    def _refresh_current(self) -> None:
        """Other counters write to the same store: re-read what is on screen now and then."""
        screen = self.screen
        reload = getattr(screen, "reload", None)
        if reload is not None and not isinstance(screen, ModalScreen):
            reload()

    def post_alerts(self, counts: dict[str, int], top: str | None) -> None:
        """The deadline engine's latest counts and most urgent item, for every alert bar."""
        self.alerts = (counts, top)
        for bar in self.screen.query(AlertBar):
            bar.show(counts, top)

    def toast_width(self) -> int:
        """The cells of text in a toast (Textual's: 60 cells, at most half the screen;
        app.tcss: 56 below 100 columns), less its edge, padding and a cell to spare."""
        wide = self.size.width
        return (56 if wide < 100 else min(60, (wide - 2) // 2)) - 4

    # ---- keys: type-ahead and refusals ---------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Type-ahead (issue 16). A key is handed to the focused widget at once but handled
        # there later: "d" then "2" typed fast both reach the queue before "d" has opened the
        # dispatch dialog. Each key remembers the screen it was typed on (``on_key`` gives
        # the ones typed on a screen since covered to the dialog); a key typed while a screen
        # is still opening (no field has the focus yet) waits, in order, until it has one.
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._typed_ahead or self._opening():
                self._typed_ahead.append(event)
                self._wait_for_focus()
                return
            event._kf_screen = self.screen  # type: ignore[attr-defined]  # noqa: SLF001
        await super().on_event(event)

    def _opening(self) -> bool:
        """The screen shown is still being built: no field has the focus yet."""
        screen = self.screen
        return screen.focused is None and not screen.is_mounted

    def _wait_for_focus(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self.call_after_refresh(self._flush_typed_ahead)

    async def _flush_typed_ahead(self) -> None:
        """The keys typed ahead, in the order typed, to the screen now shown."""
        self._flush_pending = False
        while self._typed_ahead:
            if self._opening():
                self._wait_for_focus()  # a key opened another screen: wait for that one
                return
            key = self._typed_ahead.popleft()
            self._rerouted = max(0, self._rerouted - 1)
            key._kf_screen = self.screen  # type: ignore[attr-defined]  # noqa: SLF001
            field = self.screen.focused
            await super().on_event(key)
            if self._typed_ahead and field is not None:
                # The field takes this key before the next one is looked at: a Ctrl+S typed
                # after the reason (a priority key, acted on at once) must find it typed.
                taken = asyncio.Event()
                field.call_later(taken.set)
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(taken.wait(), 0.25)

    def on_key(self, event: events.Key) -> None:
        """A key no widget took, before the bindings run (Textual calls this before
        ``App._on_key``): type-ahead into a dialog, else a refused key says why."""
        origin = getattr(event, "_kf_screen", None)
        if origin is not None and origin is not self.screen:
            event.prevent_default()
            event.stop()
            # Typed on a screen a dialog has opened over since: typed again, as it were, on
            # the dialog (its Ctrl+S, its fields), before anything typed after it. Typed into
            # a dialog that has closed since: dropped, never acted on by the screen beneath.
            if origin in self.screen_stack:
                self._typed_ahead.insert(self._rerouted, events.Key(event.key, event.character))
                self._rerouted += 1
                self._wait_for_focus()
            return
        from .base import refusal_for_key

        reason = refusal_for_key(self, event.key)
        if reason:
            # UX.md: a key never does nothing; pressed where its step is not allowed, it says
            # why in one line (the role, or the record's state, with the rule when there is
            # one) and nothing else happens.
            event.prevent_default()
            event.stop()
            self.bell()
            # Broken where Chinese allows: Textual would put "K-000613" alone on the first
            # line and the sentence after it.
            self.notify(wrap_cells(reason, self.toast_width()), severity="warning",
                        markup=False)

    # ---- the panel holding the focus ---------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._light_panel()
        screen = self.screen
        # A modal's form as it opened (its first focus comes before any typing), so an F-key
        # knows whether leaving would drop something (``_unsaved``).
        if screen.is_modal and not hasattr(screen, "_kf_form_at_open"):
            from .widgets.dialogs import form_state

            screen._kf_form_at_open = form_state(screen)  # type: ignore[attr-defined]

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._light_panel()

    def _light_panel(self) -> None:
        """The ``.panel`` holding the focus gets the accent border, as an inline style on that
        one widget. A ``:focus-within`` rule would restyle every widget of the panel at each
        focus move (every Tab in the intake form), and once more before the first frame."""
        screen = self.screen
        focused = screen.focused
        panel = next((w for w in focused.ancestors_with_self if w.has_class("panel")),
                     None) if focused is not None else None
        lit = getattr(screen, "_kf_lit_panel", None)
        if panel is lit:
            return
        if lit is not None:
            for edge in ("top", "right", "bottom", "left"):
                lit.styles.inline.clear_rule(f"border_{edge}")
            lit.refresh()
        if panel is not None:
            panel.styles.border = ("round", Color.parse(self.theme_variables["accent"]))
        screen._kf_lit_panel = panel  # type: ignore[attr-defined]

    # ---- sign-in and switching ---------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.session.staff is not None

    def sign_in_as(self, staff: Staff) -> None:
        self.session.staff = staff
        self.refresh_bindings()
        mode, place = self._handover or ("intake", {})
        self._handover = None
        if mode in MAIN_MODES:
            self.call_later(self._land, mode, place)
        else:
            self.switch_mode("intake")
        self.request_refresh()

    def _unsaved_where(self) -> str | None:
        """The title of a screen holding typing not yet saved (any mode: the screens are
        rebuilt for the next person, so a half-filled F2 behind F3 would be lost too)."""
        stacks = self._screen_stacks  # noqa: SLF001 - every mode's stack, not only the shown one
        order = [self.current_mode, *(m for m in stacks if m != self.current_mode)]
        for mode in order:
            for screen in reversed(stacks.get(mode, [])):
                if _unsaved(screen) or _typed_on(screen):
                    return (t(f"ui.title.{mode}") if mode in MAIN_MODES
                            else t("ui.switch_user.this_screen"))
        return None

    async def action_switch_user(self) -> None:
        """Ctrl+L: sign out and back to sign-in; another staff member takes the counter. The
        screens are rebuilt for the next person, so nothing typed by the last one stays — so
        with typing not yet saved it asks first (issue 16). The next person lands on the same
        screen with the same record selected: the supervisor called over to void a receipt
        finds it under the cursor."""
        from .widgets.dialogs import ConfirmDialog

        if self.session.staff is None or isinstance(self.screen, ConfirmDialog):
            return
        where = self._unsaved_where()
        if where is None:
            await self._switch_user()
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await self._switch_user()

        self.push_screen(ConfirmDialog(t("ui.switch_user.title"),
                                       t("ui.switch_user.about", where=where),
                                       t("ui.switch_user.keys")), answered)

    async def _switch_user(self) -> None:
        from kfdesk.desk.staff import sign_out

        if self.session.staff is None:
            return
        # Where the counter is: the main screen under any modal, and what it has selected.
        base = self.screen_stack[0] if self.screen_stack else None
        place = getattr(base, "place", None)
        self._handover = (self.current_mode, place() if callable(place) else {})
        sign_out(self.session.staff, self.session.clock)
        self.session.staff = None
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        await self.switch_mode("signin")
        self.screen.clear()  # type: ignore[attr-defined]
        for mode in MAIN_MODES:
            await self.remove_mode(mode)
            self.add_mode(mode, self.MODES[mode])
        self.alerts = ({}, None)
        self.refresh_bindings()

    async def _land(self, mode: str, place: dict[str, str]) -> None:
        """The next person signed in: the screen and record the last one was on."""
        await self.switch_mode(mode)
        restore = getattr(self.screen, "restore", None)
        if callable(restore) and place:
            restore(place)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Until someone signs in, only help and quit work; the screens stay closed.
        if action in ("go", "command_palette", "alerts", "switch_user") and not self.signed_in:
            return False
        return True

    async def _go(self, mode: str) -> None:
        # A modal (help, a ticket, the palette) belongs to the screen it was opened over; one
        # holding typed or chosen values stays until the clerk saves it or Esc drops it.
        if any(_unsaved(s) for s in self.screen_stack):
            self.bell()
            self.notify(t("ui.dialog.save_or_drop_first"), severity="warning")
            return
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        if self.current_mode != mode:
            await self.switch_mode(mode)

    async def action_go(self, mode: str) -> None:
        if mode in MAIN_MODES:
            await self._go(mode)

    def action_help(self) -> None:
        from .help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        under = self.screen
        mode = getattr(under, "MODE", "") or "signin"
        self.push_screen(HelpScreen(mode, under))

    def action_command_palette(self) -> None:
        # Textual's palette with its prompt in the clerk's language.
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=t("ui.palette.placeholder"),
                                            id="--command-palette"))

    # ---- jumps from the command palette --------------------------------------------------

    async def open_unit(self, code: str) -> None:
        await self._go("residents")
        self.screen.show_unit(code)  # type: ignore[attr-defined]

    async def open_ticket(self, number: str) -> None:
        """The ticket view, with its steps, over the screen the clerk is on (issue 16): Esc
        returns there with its list as it was, and a step acts on this ticket, not on
        whatever another screen's cursor rests on."""
        from kfdesk import views

        from .ticket import TicketScreen

        zone = self.session.settings.zone
        detail = views.ticket_detail(number, zone)
        if detail is None:
            self.notify(t("ui.ticket.not_found", number=number), severity="warning")
            return
        today = views.office_day(self.session.clock.now(), zone)
        await self.push_screen(TicketScreen(detail, today))

    async def open_service_order(self, order_id: int) -> None:
        await self._go("services")
        self.screen.show_order(order_id)  # type: ignore[attr-defined]

    async def open_receipt(self, number: str) -> None:
        await self._go("cashier")
        self.screen.show_receipt(number)  # type: ignore[attr-defined]
