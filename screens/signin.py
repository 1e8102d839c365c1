"""Sign-in: login name and PIN. A wrong PIN or an unknown login shows the same message under
the PIN (issue 19: logins cannot be listed by trying them); a login locked after repeated wrong
PINs says so, and until when, under the login. Nothing else happens (the failure is logged by
``desk.staff``, which also keeps the lock).

Enter moves from the login to the PIN and signs in from the PIN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from kfdesk.i18n import t

from .common import translate_bindings
from .widgets.footer import DeskFooter
from .widgets.header import OfficeHeader
from .widgets.inputs import DeskInput

if TYPE_CHECKING:
    from .app import KfDeskApp


class SignInScreen(Screen):
    CSS_PATH = "signin.tcss"

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        yield OfficeHeader(t("ui.title.signin"))
        with Middle(), Center(), Vertical(id="signin-box") as box:
            box.border_title = t("ui.signin.title")
            yield Label(t("ui.signin.login"), classes="field-label")
            yield DeskInput(id="login", placeholder=t("ui.signin.login_placeholder"))
            yield Static("", id="login-error", classes="field-error")
            yield Label(t("ui.signin.pin"), classes="field-label")
            yield DeskInput(id="pin", password=True, placeholder=t("ui.signin.pin_placeholder"))
            yield Static("", id="pin-error", classes="field-error")
            yield Static(t("ui.signin.hint"), id="signin-hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#login", Input).focus()

    def clear(self) -> None:
        """For the next person at the counter (Ctrl+L): the last login, anything typed and any
        message go; the cursor waits in the login field."""
        for name in ("login", "pin"):
            self.query_one(f"#{name}", Input).value = ""
            self.query_one(f"#{name}-error", Static).update("")
        self.query_one("#login", Input).focus()

    @on(Input.Submitted, "#login")
    def _login_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#pin", Input).focus()

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        # The message belongs to the value that caused it; a new value clears it.
        if event.input.id:
            self.query_one(f"#{event.input.id}-error", Static).update("")

    @on(Input.Submitted, "#pin")
    def _pin_entered(self, event: Input.Submitted) -> None:
        event.stop()
        login = self.query_one("#login", Input)
        pin = self.query_one("#pin", Input)
        if not login.value.strip():
            login.focus()
            return
        app: KfDeskApp = self.app  # type: ignore[assignment]
        if not app.ensure_store():
            return
        # The services (and the ORM) are not needed to paint this screen (issue 2).
        from kfdesk.desk import DeskError
        from kfdesk.desk.staff import sign_in

        try:
            staff = sign_in(login.value, pin.value, app.session.clock, app.session.settings)
        except DeskError as exc:
            field = exc.field if exc.field in ("login", "pin") else "pin"
            self.query_one(f"#{field}-error", Static).update(exc.message())
            box = self.query_one(f"#{field}", Input)
            box.focus()
            box.select_all()
            return
        pin.value = ""
        app.sign_in_as(staff)
