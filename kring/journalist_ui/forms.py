"""The confidants' forms with fields to check, as Flask-WTF form classes.

Each form reads its fields from the request (stripped, with the defaults an
older page left out) and hands them to the one core function that holds the
rule; a field that fails its form check raises the same named core error the
rule would, so the page and status an admin sees are the core's. The token is
checked once for every POST by ``CSRFProtect`` before any view runs (the same
page for every expired form), so these forms do not check it a second time.
The templates keep their hand-written inputs: the pages are unchanged.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from kring.core.accounts import admin as accounts_admin
from kring.core.instance_settings import RANGES, InstanceOptions, InvalidSetting, parse_options


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _KringForm(FlaskForm):
    """A form on a page CSRFProtect already guards: no second token check."""

    class Meta:
        csrf = False

    def first_error(self) -> str | None:
        """The name of the first field (in the form's order) that failed, or None."""
        for field in self:
            if field.errors:
                return str(field.name)
        return None


class AccountForm(_KringForm):
    """An admin adds an account: role, username, display name (the fresh code is checked apart)."""

    role = StringField(filters=[_strip])
    username = StringField(filters=[_strip])
    display_name = StringField(filters=[_strip])

    def new_account(self) -> accounts_admin.NewAccount:
        """The checked account to create (core's rules: InvalidChoice, InvalidUsername)."""
        return accounts_admin.parse_new_account(
            username=self.username.data or "",
            display_name=self.display_name.data or "",
            role=self.role.data or "",
        )


class SettingsForm(_KringForm):
    """An admin's instance settings: the organisation's name and the numbers in their ranges."""

    organisation_name = StringField(
        filters=[_strip], validators=[InputRequired(), Length(max=120)]
    )
    max_submission_mb = IntegerField(validators=[NumberRange(*RANGES["max_submission_mb"])])
    session_idle_minutes = IntegerField(validators=[NumberRange(*RANGES["session_idle_minutes"])])
    session_absolute_minutes = IntegerField(
        validators=[NumberRange(*RANGES["session_absolute_minutes"])]
    )
    # Added after the form was first written: left out, the value in force stays.
    insights_k = IntegerField(validators=[Optional(), NumberRange(*RANGES["insights_k"])])

    def options(self, current: InstanceOptions) -> InstanceOptions:
        """The checked options to save; InvalidSetting naming the first bad field otherwise."""
        if not self.validate():
            raise InvalidSetting(self.first_error() or "organisation_name")
        raw = {name: "" if value is None else str(value) for name, value in self.data.items()}
        return parse_options(raw, current)


class StatusForm(_KringForm):
    """A confidant's status change, with a classification when closing."""

    status = StringField(filters=[_strip])
    closing_category = StringField(filters=[_strip])
    outcome = StringField(filters=[_strip])
