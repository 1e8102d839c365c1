"""The intake form (F2, KF-010 §4.1, RULES §1 intake fields), filled without the mouse.

Top to bottom as a call goes: channel (forwarded: which department and when it received it,
KF-010 §4.1.1), unit (the lookup: a unit number, a name, pinyin or phone digits), who is
calling (the unit's household or someone new), phone, kind, category and the judgement the
kind needs (valid / invalid complaint, KF-010 §4.2; warranty / normal / paid repair with its
price, KF-011 and KF-015 §6.2.1; answered on the spot for an inquiry), then the text.

Enter moves to the next field; the line under the form lists the focused field's options;
before saving the form shows which clocks will start and when they fall due ("派单 11:00"),
following every change, and after saving the ticket number and the promise the clerk reads to
the resident.

Nothing half-meant is filed (issue 16, UX.md "what the first round taught"): the unit is a
chosen unit or the explicit "无房号/匿名" (Enter on the empty box), never text that matched
nothing; after a save the form is blank again (a key repeats the last ticket's choices on
purpose), and the saved message goes as soon as the next ticket is begun. Tab goes round the
form's fields (past 内容 back to the unit box) rather than out of it; Esc steps out to today's
list.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from kfdesk import views
from kfdesk.clock import parse_counter_time
from kfdesk.desk import tickets
from kfdesk.desk.base import DeskError
from kfdesk.i18n import t
from kfdesk.models.tickets import CATEGORIES, CHANNELS, KINDS, REPAIR_CLASSES, VALIDITY
from kfdesk.money import to_fen

from .common import money
from .widgets.choice import ChoiceField
from .widgets.inputs import DeskInput
from .widgets.lookup import UnitLookup

PREVIEW_DELAY = 0.2
NEW_CALLER = "new"
# The choices a ticket is made of, which the form resets after a save and Ctrl+R repeats.
CHOICES = ("channel", "forwarded_from", "kind", "category", "judge", "price")
# Which form widget a DeskError's field names (so the cursor goes where the problem is).
FIELD_WIDGETS = {
    "channel": "#channel", "forwarded_from": "#forwarded_from", "forwarded_at": "#forwarded_at",
    "unit": "#lookup #query", "caller": "#caller", "phone": "#phone", "kind": "#kind",
    "category": "#category", "validity": "#judge", "repair_class": "#judge",
    "price": "#quoted", "defect_of": "#defect_of", "text": "#text",
}


def due_phrase(p: tickets.Promise, today: date, zone: tzinfo) -> str:
    """``11:00`` today, ``10-12 17:30`` another day; "(provisional)" when the year's
    calendar is not published yet (RULES §8)."""
    if p.due_at is None:
        return ""
    local = p.due_at.astimezone(zone)
    text = local.strftime("%H:%M" if local.date() == today else "%m-%d %H:%M")
    return text + (t("ui.form.provisional") if p.provisional else "")


def preview_line(promises: list[tickets.Promise], today: date, zone: tzinfo,
                 follow_up: bool = False) -> str:
    """``将启动：派单 11:00 · 回访 处理完毕后 3 天内`` — the clocks intake starts, then later.
    ``follow_up``: an inquiry kept open to follow up (no clock, but not answered either)."""
    parts = []
    for p in promises:
        if p.clock == "handover":
            continue  # already stopped by this intake: it is the other department's clock
        if p.due_at is None:
            parts.append(t(f"ui.form.later.{p.clock}", limit=p.limit))
        else:
            parts.append(t(f"ui.form.clock.{p.clock}", due=due_phrase(p, today, zone)))
    if parts:
        return t("ui.form.starts", clocks=" · ".join(parts))
    return t("ui.form.no_clock_follow_up" if follow_up else "ui.form.no_clock")


def promise_text(promises: list[tickets.Promise], today: date, zone: tzinfo) -> str:
    """What the clerk reads to the resident (the callback promise, KF-010 §4.5)."""
    parts = [t(f"ui.form.promise.{p.clock}", due=due_phrase(p, today, zone), limit=p.limit)
             for p in promises if p.clock != "handover"]
    return t("ui.form.promise_to", text="；".join(parts)) if parts else ""


class IntakeForm(Vertical):
    """Posts ``UnitChosen`` as the unit changes (the screen shows its brief)."""

    BINDINGS: ClassVar = [
        Binding("tab", "round(1)", show=False),
        Binding("shift+tab", "round(-1)", show=False),
    ]

    class UnitChosen(Message):
        """``code`` None: no unit; ``anonymous`` when that was chosen ("无房号/匿名")."""

        def __init__(self, code: str | None, anonymous: bool = False) -> None:
            super().__init__()
            self.code = code
            self.anonymous = anonymous

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="panel")
        self._unit: str | None = None
        self._anonymous = False  # "无房号/匿名" chosen explicitly
        self._household: list[views.PersonRow] = []
        self._timer: Timer | None = None
        self._pending_error: Text | None = None
        self._last_focus: object = None  # the form's field focused before this one
        self._prices: dict[str, Decimal] = {}  # the repair price list, once a paid repair shows
        self._defaults: dict[str, str | None] = {}  # the blank form's choices
        self._last: dict[str, str | None] | None = None  # the last saved ticket's choices
        self._blank: tuple | None = None  # the form as it was when the result was shown

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.border_title = t("ui.form.title")
        with Horizontal(classes="form-row"):
            yield Static(t("ui.form.channel"), classes="form-label")
            yield ChoiceField([(c, t(f"channel.{c}")) for c in CHANNELS], "phone",
                              id="channel", english=[t(f"channel.{c}", lang="en")
                                                     for c in CHANNELS])
            yield Static("", id="received", classes="form-note")
        with Horizontal(classes="form-row", id="fwd-row"):
            yield Static(t("ui.form.forwarded_from"), classes="form-label")
            departments = [d for d in tickets.DISPATCH_DEPARTMENTS]
            yield ChoiceField([(d, t(f"department.{d}")) for d in departments], "security",
                              id="forwarded_from",
                              english=[t(f"department.{d}", lang="en") for d in departments])
            yield Static(t("ui.form.forwarded_at"), classes="form-label2")
            yield DeskInput(placeholder=t("ui.form.time_placeholder"), id="forwarded_at",
                            short_placeholder=t("ui.form.short.time_placeholder"),
                            classes="form-short")
        with Horizontal(classes="form-row form-unit"):
            yield Static(t("ui.form.unit"), classes="form-label")
            yield UnitLookup(id="lookup", limit=8, pick_none=True,
                             none_hint=t("ui.form.none_hint"), pick_on_tab=True)
        with Horizontal(classes="form-row"):
            yield Static(t("ui.form.caller"), classes="form-label")
            yield ChoiceField([(NEW_CALLER, t("ui.form.new_caller"))], NEW_CALLER, id="caller")
            yield DeskInput(placeholder=t("ui.form.caller_name"), id="caller_name",
                            short_placeholder=t("ui.form.short.caller_name"),
                            classes="form-name")
        with Horizontal(classes="form-row"):
            yield Static(t("ui.form.phone"), classes="form-label")
            yield DeskInput(placeholder=t("ui.form.phone_placeholder"), id="phone",
                            classes="form-phone")
        # Kind, category and judgement: one row on a wide screen; below 100 columns the
        # judgement gets a row of its own, so its value is never cut to "◀ V… ▶" (issue 16).
        with Horizontal(classes="form-row", id="kind-line"):
            with Horizontal(id="kind-row"):
                yield Static(t("ui.form.kind"), classes="form-label")
                yield ChoiceField([(k, t(f"kind.{k}")) for k in KINDS], "complaint", id="kind",
                                  english=[t(f"kind.{k}", lang="en") for k in KINDS])
                yield ChoiceField([(c, t(f"category.{c}")) for c in CATEGORIES], "water",
                                  id="category",
                                  english=[t(f"category.{c}", lang="en") for c in CATEGORIES])
            with Horizontal(id="judge-row"):
                yield Static(t("ui.form.judge"), classes="form-label", id="judge-label")
                yield ChoiceField([], id="judge")
        # The price and the quote: below 100 columns the quote gets its own row too.
        with Horizontal(classes="form-row", id="price-row"):
            with Horizontal(id="price-pick"):
                yield Static(t("ui.form.price"), classes="form-label")
                yield ChoiceField([], id="price")
            with Horizontal(id="quote-part"):
                yield Static(t("ui.form.quoted"), classes="form-label2")
                yield DeskInput(placeholder="0.00", id="quoted", classes="form-short")
        with Horizontal(classes="form-row", id="defect-row"):
            yield Static(t("ui.form.defect_of"), classes="form-label")
            yield DeskInput(placeholder=t("ui.form.defect_placeholder"), id="defect_of",
                            classes="form-short")
        with Horizontal(classes="form-row form-text"):
            yield Static(t("ui.form.text"), classes="form-label")
            area = TextArea(id="text", soft_wrap=True, show_line_numbers=False)
            yield area
        yield Static("", id="preview", classes="form-preview")
        yield Static("", id="hint", classes="form-hint")
        yield Static("", id="result", classes="form-result")

    def on_mount(self) -> None:
        self.query_one("#text", TextArea).cursor_blink = getattr(
            self.app, "cursor_blink_enabled", True)
        self._kind_changed()
        self._channel_changed()
        self._defaults = self.choices()

    # ---- reading the form --------------------------------------------------------------------

    def _choice(self, wid: str) -> str | None:
        return self.query_one(wid, ChoiceField).value

    def _input(self, wid: str) -> str:
        return self.query_one(wid, Input).value

    def form(self, now: datetime) -> tickets.IntakeForm:
        kind = self._choice("#kind") or ""
        judge = self._choice("#judge")
        caller = self._choice("#caller")
        person_id = int(caller) if caller and caller.isdigit() else None
        fwd_text = self._input("#forwarded_at")
        forwarded_at = parse_counter_time(fwd_text, now, now.tzinfo) if fwd_text.strip() else None
        price = self._choice("#price") or ""
        return tickets.IntakeForm(
            channel=self._choice("#channel") or "",
            kind=kind,
            category=self._choice("#category") or "",
            text=self.query_one("#text", TextArea).text,
            unit_code=self._unit or "",
            person_id=person_id,
            caller_name=self._input("#caller_name") if person_id is None else "",
            phone=self._input("#phone"),
            forwarded_from=self._choice("#forwarded_from") or "",
            forwarded_received_at=forwarded_at,
            validity=judge if kind == "complaint" else None,
            repair_class=judge if kind == "repair" else None,
            price_code="" if price == "quote" else price,
            quoted=self._input("#quoted"),
            defect_of=self._input("#defect_of") if kind == "complaint" else "",
        )

    def answered_now(self) -> bool:
        """An inquiry, visit or suggestion answered on the spot closes out with its intake."""
        return (self._choice("#kind") in tickets.ANSWERED_KINDS
                and self._choice("#judge") == "answered")

    def dirty(self) -> bool:
        return bool(self.query_one("#text", TextArea).text.strip() or self._unit
                    or self._anonymous
                    or self._input("#caller_name").strip() or self._input("#phone").strip()
                    or self.query_one("#lookup", UnitLookup).input.value.strip())

    @property
    def anonymous(self) -> bool:
        return self._anonymous

    def unit_chosen(self) -> bool:
        """A unit picked from the lookup, or "无房号/匿名" chosen: the only two things the
        unit box may hold when the ticket is saved (issue 16)."""
        return self._unit is not None or self._anonymous

    def refuse_unchosen(self) -> None:
        """Ctrl+S with the unit box not chosen: say how, cursor to the box, save nothing."""
        self.show_error(DeskError("ui.form.unit_unchosen", field="unit"),
                        how=t("ui.form.unit_unchosen_how"))

    def choices(self) -> dict[str, str | None]:
        return {name: self._choice(f"#{name}") for name in CHOICES}

    def apply_choices(self, choices: dict[str, str | None]) -> None:
        """Set channel, kind, category, judgement and price as in ``choices`` (the blank
        form's, or the last ticket's), with what each one shows or hides."""
        for name in ("channel", "forwarded_from", "kind", "category"):
            self.query_one(f"#{name}", ChoiceField).value = choices.get(name)
        self._kind_changed()  # the judgements the kind offers, at their default
        self.query_one("#judge", ChoiceField).value = choices.get("judge")
        self._judge_changed()  # the price row of a paid repair
        if choices.get("price"):
            self.query_one("#price", ChoiceField).value = choices.get("price")
            self._price_changed()
        self._channel_changed()

    def remember(self) -> None:
        """Keep this ticket's choices for Ctrl+R on the next one."""
        self._last = self.choices()

    def repeat_last(self) -> bool:
        """Ctrl+R: the last saved ticket's channel, kind, category and judgement, on purpose
        (never as leftovers); False when nothing was saved yet."""
        hint = self.query_one("#hint", Static)
        if self._last is None:
            hint.update(Text(t("ui.form.nothing_to_repeat"), style="bold yellow"))
            return False
        self.apply_choices(self._last)
        kind, category = self._last.get("kind") or "", self._last.get("category") or ""
        what = f"{t(f'kind.{kind}')} {t(f'category.{category}')}"
        judge = self.query_one("#judge", ChoiceField)
        if judge.display and judge.options:
            what += " " + judge.options[judge.index][1]
        hint.update(Text(t("ui.form.repeated", what=what), style="bold"))
        return True

    def _state(self) -> tuple:
        inputs = tuple(self._input(w) for w in ("#lookup #query", "#caller_name", "#phone",
                                                "#forwarded_at", "#quoted", "#defect_of"))
        return (inputs, self.query_one("#text", TextArea).text,
                tuple(self.choices().values()), self._unit, self._anonymous)

    def _maybe_started(self) -> None:
        """The next ticket has begun (anything on the form changed since the last result was
        shown): the last ticket's message goes, so it is not read as this one's (issue 16)."""
        if self._blank is not None and self._state() != self._blank:
            self._blank = None
            self.show_result(Text())

    # ---- reacting as it is filled ------------------------------------------------------------

    @on(ChoiceField.Changed)
    @on(Input.Changed)
    @on(TextArea.Changed)
    def _form_changed(self) -> None:
        self._maybe_started()

    @on(ChoiceField.Changed, "#kind")
    def _kind_changed(self) -> None:
        kind = self._choice("#kind")
        judge = self.query_one("#judge", ChoiceField)
        if kind == "complaint":
            judge.set_options([(v, t(f"validity.{v}")) for v in VALIDITY], "valid",
                              english=[t(f"validity.{v}", lang="en") for v in VALIDITY])
        elif kind == "repair":
            judge.set_options([(v, t(f"repair_class.{v}")) for v in REPAIR_CLASSES], "normal",
                              english=[t(f"repair_class.{v}", lang="en")
                                       for v in REPAIR_CLASSES])
        elif kind in tickets.ANSWERED_KINDS:
            judge.set_options([("answered", t("ui.form.answered")),
                               ("follow_up", t("ui.form.follow_up"))], "answered")
        else:
            judge.set_options([])
        judge.display = bool(judge.options)
        self.query_one("#judge-row").display = judge.display
        self.query_one("#defect-row").display = kind == "complaint"
        self._judge_changed()

    @on(ChoiceField.Changed, "#judge")
    def _judge_changed(self) -> None:
        paid = self._choice("#kind") == "repair" and self._choice("#judge") == "paid"
        row = self.query_one("#price-row")
        row.display = paid
        price = self.query_one("#price", ChoiceField)
        if paid and not price.options:
            app = self.app
            items = tickets.price_list(app.session.settings, app.lang)  # type: ignore[attr-defined]
            self._prices = {code: p for code, _, p in items}
            price.set_options([(code, f"{name} {money(to_fen(p))}") for code, name, p in items]
                              + [("quote", t("ui.form.quote_own"))])
            self._price_changed()
        self._schedule_preview()

    @on(ChoiceField.Changed, "#price")
    def _price_changed(self) -> None:
        code = self._choice("#price")
        quoted = self.query_one("#quoted", Input)
        if code in self._prices:
            quoted.value = str(self._prices[code])
        elif code == "quote":
            quoted.value = ""
        self._schedule_preview()

    @on(ChoiceField.Changed, "#channel")
    def _channel_changed(self) -> None:
        self.query_one("#fwd-row").display = self._choice("#channel") == "forwarded"
        self._schedule_preview()

    @on(ChoiceField.Changed, "#caller")
    def _caller_changed(self) -> None:
        caller = self._choice("#caller")
        name = self.query_one("#caller_name", Input)
        name.display = caller == NEW_CALLER
        phone = self.query_one("#phone", DeskInput)
        person = next((p for p in self._household if str(p.person_id) == caller), None)
        # The file's number stays masked (KF-017 §4): the service uses it unless one is typed.
        if person and person.phone:
            phone.set_placeholder(t("ui.form.phone_on_file", phone=person.phone),
                                  t("ui.form.short.phone_on_file", phone=person.phone))
        else:
            phone.set_placeholder(t("ui.form.phone_placeholder"))

    @on(ChoiceField.Changed, "#category")
    def _category_changed(self) -> None:
        self._schedule_preview()

    @on(UnitLookup.Picked)
    def _picked(self, event: UnitLookup.Picked) -> None:
        event.stop()
        event.lookup.close()
        if not event.again:  # Enter on what the box holds keeps the caller chosen since
            if event.code:
                self.set_unit(event.code)
            else:
                self.set_anonymous()
        if not event.back:
            self.query_one("#caller", ChoiceField).focus()

    def set_anonymous(self) -> None:
        """"无房号/匿名": a ticket without a unit (common areas, or a caller who gives none),
        chosen explicitly with Enter on the empty unit box."""
        self.set_unit(None, anonymous=True)

    def set_unit(self, code: str | None, *, anonymous: bool = False) -> None:
        """Choose the unit ``code`` (its household becomes the callers), or none: the blank
        form's empty box, or with ``anonymous`` the explicit "无房号/匿名"."""
        self._unit = code
        self._anonymous = anonymous and code is None
        lookup = self.query_one("#lookup", UnitLookup)
        if code:
            lookup.hold(code)
        elif self._anonymous:
            lookup.hold("", t("ui.form.no_unit"))
        self._household = views.household(code) if code else []
        options = [(str(p.person_id), t("ui.brief.person", name=p.name,
                                           role=t(f"occupancy.{p.role}")))
                   for p in self._household]
        options.append((NEW_CALLER, t("ui.form.new_caller")))
        self.query_one("#caller", ChoiceField).set_options(options, options[0][0])
        self._caller_changed()
        self.post_message(self.UnitChosen(code, anonymous=self._anonymous))
        self._schedule_preview()

    @on(UnitLookup.Unchosen)
    def _unit_typed(self, event: UnitLookup.Unchosen) -> None:
        # Typing over a chosen unit un-chooses it (a wrong unit must not be saved by accident).
        event.stop()
        self._anonymous = False
        if self._unit is not None:
            self._unit = None
            self._household = []
            self.query_one("#caller", ChoiceField).set_options(
                [(NEW_CALLER, t("ui.form.new_caller"))], NEW_CALLER)
            self._caller_changed()
        self.post_message(self.UnitChosen(None))
        self._maybe_started()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id in ("forwarded_at", "quoted", "defect_of"):
            self._schedule_preview()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "query":
            return  # the lookup picks on Enter
        event.stop()
        self.screen.focus_next()

    def action_round(self, direction: int) -> None:
        """Tab / Shift+Tab go round the form: past 内容 back to the unit box (where every call
        starts; typing there shows, and cannot be saved unchosen), and before the channel to
        内容 — never out to a panel where the typing would be lost (issue 16)."""
        focused = self.screen.focused
        if direction > 0 and focused is self.query_one("#text"):
            self.query_one("#lookup #query").focus()
        elif direction < 0 and focused is self.query_one("#channel"):
            self.query_one("#text").focus()
        elif direction > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def on_descendant_focus(self, event) -> None:  # noqa: ANN001 - Textual's DescendantFocus
        widget = event.widget
        hint = self.query_one("#hint", Static)
        lookup = self.query_one("#lookup", UnitLookup)
        left, self._last_focus = self._last_focus, widget
        in_lookup = (lookup.input, lookup.query_one("#hits")) if lookup.query("#hits") else (
            lookup.input,)
        if (left in in_lookup and widget not in in_lookup and self._pending_error is None
                and not self.unit_chosen() and lookup.input.value.strip()):
            # Left the unit box with text that is not a unit: said now, once, not only at
            # Ctrl+S.
            self._pending_error = Text(t("ui.form.unit_unchosen"), style="bold yellow")
            self._pending_error.append("\n" + t("ui.form.unit_unchosen_how"), style="default")
        if self._pending_error is not None:
            hint.update(self._pending_error)
            self._pending_error = None
        elif isinstance(widget, ChoiceField):
            hint.update(Text(t("ui.form.choice_keys") + "  " + widget.hint(), style="dim"))
        elif isinstance(widget, TextArea):
            hint.update(Text(t("ui.form.text_keys"), style="dim"))
        elif widget.id == "query":
            hint.update(Text(t("ui.form.unit_box_keys"), style="dim"))
        elif widget.id == "forwarded_at":
            hint.update(Text(t("ui.form.time_keys"), style="dim"))
        else:
            hint.update("")

    def _schedule_preview(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DELAY, self.show_preview)

    def show_preview(self) -> None:
        """The clocks saving would start, for the form as it is now (every change of channel,
        forwarded time, kind, category, judgement or defect-of schedules this)."""
        app = self.app
        session = app.session  # type: ignore[attr-defined]
        now = session.clock.now().astimezone(session.settings.zone)
        self.query_one("#received", Static).update(
            Text(t("ui.form.received_at", at=now.strftime("%H:%M")), style="dim"))
        # The clocks depend neither on the words nor on who called: a phone number half typed
        # must not blank the line.
        form = replace(self.form(now), text="…", phone="", caller_name="")
        preview = self.query_one("#preview", Static)
        try:
            promises = tickets.preview(form, session.clock, session.settings)
        except DeskError as exc:
            preview.update(Text(t("ui.form.preview_pending", why=exc.message()), style="dim"))
            return
        follow_up = self._choice("#judge") == "follow_up"
        preview.update(Text(preview_line(promises, now.date(), session.settings.zone,
                                         follow_up), style="bold"))

    # ---- after saving ------------------------------------------------------------------------

    def show_error(self, exc: DeskError, how: str = "") -> None:
        """The refusal under the form (with ``how`` to put it right on a second line), and
        the cursor to the field it names."""
        error = Text(exc.message(), style="bold red")
        if how:
            error.append("\n" + how, style="default")
        self.query_one("#hint", Static).update(error)
        target = FIELD_WIDGETS.get(exc.field or "")
        if target and self.query(target):
            widget = self.query_one(target)
            if not widget.has_focus:
                # The focus event comes after this and would put the field's keys in the
                # hint line: it shows the error instead, once.
                self._pending_error = error
                widget.focus()

    def show_result(self, text: Text) -> None:
        result = self.query_one("#result", Static)
        result.update(text)
        result.display = bool(text.plain)

    def clear(self) -> None:
        """Ready for the next call: a blank form — channel, kind, category and judgement back
        to the blank form's, everything about the caller gone (Ctrl+R repeats the last
        ticket's choices on purpose). The result shown stays until the next ticket begins."""
        lookup = self.query_one("#lookup", UnitLookup)
        lookup.reset()
        self.set_unit(None)
        for wid in ("#caller_name", "#phone", "#forwarded_at", "#quoted", "#defect_of"):
            self.query_one(wid, Input).value = ""
        self.query_one("#text", TextArea).text = ""
        self.apply_choices(self._defaults)
        self.query_one("#hint", Static).update("")
        lookup.input.focus()
        self._blank = self._state()
