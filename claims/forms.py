"""Form shapes: fields, lengths, choices and required-ness. No database access here."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from claims.audit import ENTITY_TYPES
from claims.models import (
    ARTICLE_TEXT_MAX,
    CLAIM_KINDS,
    DISPLAY_NAME_MAX,
    NAME_MAX,
    NOTE_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    ROLES,
    STATEMENT_MAX,
    TITLE_MAX,
    TOKEN_NAME_MAX,
    URL_MAX,
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


class ImportForm(FlaskForm):
    """Import an article: exactly one of text, file or URL, and optional metadata."""

    text = TextAreaField(
        "Paste the article's text",
        validators=[Optional(), Length(max=ARTICLE_TEXT_MAX)],
        render_kw={"rows": 12},
    )
    file = FileField(
        "…or upload a .txt or .html file",
        validators=[FileAllowed(["txt", "html", "htm"], "Upload a .txt or .html file.")],
    )
    url = URLField(
        "…or give its address",
        validators=[Optional(), Length(max=URL_MAX)],
        description="The server fetches the page and keeps its main text.",
    )
    title = StringField(
        "Title",
        validators=[Optional(), Length(max=TITLE_MAX)],
        description="Leave empty to use the page's own title.",
    )
    publisher = StringField("Publisher", validators=[Optional(), Length(max=NAME_MAX)])
    byline = StringField("Byline", validators=[Optional(), Length(max=NAME_MAX)])
    published = DateField("Published on", validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        given = [bool((self.text.data or "").strip()), bool(self.file.data), bool(self.url.data)]
        if sum(given) != 1:
            self.form_errors.append(
                "Give the article one way: paste its text, upload a file, or give its address."
            )
            return False
        return True


class ArticleEditForm(FlaskForm):
    version = HiddenField()
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    url = URLField("Address", validators=[Optional(), Length(max=URL_MAX)])
    publisher = StringField("Publisher", validators=[Optional(), Length(max=NAME_MAX)])
    byline = StringField("Byline", validators=[Optional(), Length(max=NAME_MAX)])
    published = DateField("Published on", validators=[Optional()])


KIND_CHOICES = [SelectChoice(k, k.capitalize()) for k in CLAIM_KINDS]


class ClaimEditForm(FlaskForm):
    version = HiddenField()
    statement = TextAreaField(
        "Statement",
        validators=[DataRequired(), Length(max=STATEMENT_MAX)],
        description="The claim as a reviewer restates it: neutral, self-contained.",
        render_kw={"rows": 3},
    )
    kind = SelectField("Kind", choices=KIND_CHOICES)


class ClaimAddForm(FlaskForm):
    start = IntegerField("From character", validators=[InputRequired(), NumberRange(min=0)])
    end = IntegerField("To character", validators=[InputRequired(), NumberRange(min=1)])
    kind = SelectField("Kind", choices=KIND_CHOICES, default="statement")
    statement = TextAreaField(
        "Statement (optional)", validators=[Optional(), Length(max=STATEMENT_MAX)]
    )


class DismissForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(
        "Why is it not worth checking?",
        validators=[DataRequired(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class VersionForm(FlaskForm):
    """A button that acts on a record as read at `version` (restore)."""

    version = HiddenField()


class SplitForm(FlaskForm):
    version = HiddenField()
    at = SelectField("Split before the word", coerce=int, choices=[])


class MergeForm(FlaskForm):
    claims = SelectMultipleField("Claims to merge", coerce=int, choices=[], validate_choice=False)
