"""Form shapes: fields, lengths, choices and required-ness. No database access here."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from claims.audit import ENTITY_TYPES
from claims.models import (
    DISPLAY_NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    ROLES,
    TOKEN_NAME_MAX,
    USERNAME_MAX,
)

ROLE_CHOICES = [SelectChoice(r, r.capitalize()) for r in ROLES]


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=USERNAME_MAX)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token (logout, revoke, end sessions)."""


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
        description=f"At least {PASSWORD_MIN} characters. Spaces and any characters are fine.",
    )


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired(), Length(max=TOKEN_NAME_MAX)],
        description="What the token is for, e.g. “CMS publishing job”.",
    )


class UserCreateForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(min=2, max=USERNAME_MAX)])
    display_name = StringField("Display name", validators=[Length(max=DISPLAY_NAME_MAX)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="reviewer")
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
        description=f"At least {PASSWORD_MIN} characters; tell it to the person privately.",
    )


class UserEditForm(FlaskForm):
    display_name = StringField("Display name", validators=[Length(max=DISPLAY_NAME_MAX)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")


class AuditFilterForm(FlaskForm):
    """The audit page's filters (a GET form: no CSRF token needed, nothing changes)."""

    class Meta:
        csrf = False

    actor = StringField("Actor", validators=[Optional(), Length(max=USERNAME_MAX)])
    entity = SelectField(
        "Record type",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(t, t.replace("_", " ")) for t in ENTITY_TYPES],
        default="",
    )
    entity_id = IntegerField(
        "Record id", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    action = StringField(
        "Action", validators=[Optional(), Length(max=64)], description="e.g. login or claim.update"
    )
    since = DateField("From", validators=[Optional()])
    until = DateField("To (inclusive)", validators=[Optional()])
    q = StringField("Text", validators=[Optional(), Length(max=200)])
