"""Form shapes: fields, lengths, choices and required-ness. No database access here."""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
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
from wtforms.widgets import HiddenInput

from claims.audit import ENTITY_TYPES
from claims.models import (
    ARTICLE_TEXT_MAX,
    CHECK_STATES,
    CLAIM_KINDS,
    DISPLAY_NAME_MAX,
    EXCERPT_MAX,
    NAME_MAX,
    NOTE_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    ROLES,
    STANCES,
    STATEMENT_MAX,
    TITLE_MAX,
    TOKEN_NAME_MAX,
    URL_MAX,
    USERNAME_MAX,
)
from claims.text import drop_controls

MAX_ID = 2**31 - 1


def _clean_text(value: object) -> object:
    return drop_controls(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """Every form of the product: text fields lose NUL and other control characters before
    validation, so nothing invisible (or refused by PostgreSQL) reaches a service."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            cls = unbound_field.field_class
            # Passwords are taken exactly as typed: the policy refuses NUL in them.
            if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
                # A new tuple for this binding: the class's field definition stays as it is
                # (adding to it made every request clean each value once more).
                filters = (_clean_text, *unbound_field.kwargs.get("filters", ()))
                return unbound_field.bind(form=form, filters=filters, **options)
            return unbound_field.bind(form=form, **options)

        def render_field(self, field: Any, render_kw: dict[str, Any]) -> Any:
            # A page carries a CSRF token and a version in each of its forms (the claim page
            # has about 14): WTForms draws each value once per request, and the drawing is
            # reused (40-90 us each). Per request: a CSRF token is never kept beyond its own.
            if (
                not render_kw
                and type(field.widget) is HiddenInput
                and field.render_kw is None
                and getattr(field, "_datalist", None) is None
                and has_app_context()
            ):
                key = (field.id, field.name, field._value(), bool(field.flags.disabled))
                drawn: dict[tuple[Any, ...], Any] = g.setdefault("hidden_inputs", {})
                found = drawn.get(key)
                if found is None:
                    found = drawn[key] = super().render_field(field, render_kw)
                return found
            return super().render_field(field, render_kw)


def carry_version(form: Any, version: int) -> None:
    """After a conflict: keep what was typed, but carry the current version for the next save
    (the rendered field shows `raw_data` when there is some, so both are set)."""
    form.version.data = version
    form.version.raw_data = [str(version)]


def version_field() -> IntegerField:
    """The version a record was read at, carried by its edit form (optimistic locking)."""
    return IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )


ROLE_CHOICES = [SelectChoice(r, r.capitalize()) for r in ROLES]


class LoginForm(Form):
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


class ConfirmForm(Form):
    """A form with nothing but its CSRF token (logout, revoke, end sessions)."""


class PasswordChangeForm(Form):
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


class TokenForm(Form):
    name = StringField(
        "Token name",
        validators=[DataRequired(), Length(max=TOKEN_NAME_MAX)],
        description="What the token is for, e.g. “CMS publishing job”.",
    )


class UserCreateForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(min=2, max=USERNAME_MAX)])
    display_name = StringField("Display name", validators=[Length(max=DISPLAY_NAME_MAX)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="reviewer")
    password = PasswordField(
        "Initial password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
        description=f"At least {PASSWORD_MIN} characters; tell it to the person privately.",
    )


class UserEditForm(Form):
    display_name = StringField("Display name", validators=[Length(max=DISPLAY_NAME_MAX)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")


class AuditFilterForm(Form):
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


class ImportForm(Form):
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


class ArticleEditForm(Form):
    version = version_field()
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    url = URLField("Address", validators=[Optional(), Length(max=URL_MAX)])
    publisher = StringField("Publisher", validators=[Optional(), Length(max=NAME_MAX)])
    byline = StringField("Byline", validators=[Optional(), Length(max=NAME_MAX)])
    published = DateField("Published on", validators=[Optional()])


KIND_CHOICES = [SelectChoice(k, k.capitalize()) for k in CLAIM_KINDS]


class ClaimEditForm(Form):
    version = version_field()
    statement = TextAreaField(
        "Statement",
        validators=[DataRequired(), Length(max=STATEMENT_MAX)],
        description="The claim as a reviewer restates it: neutral, self-contained.",
        render_kw={"rows": 3},
    )
    kind = SelectField("Kind", choices=KIND_CHOICES)


class ClaimAddForm(Form):
    start = IntegerField("From character", validators=[InputRequired(), NumberRange(min=0)])
    end = IntegerField("To character", validators=[InputRequired(), NumberRange(min=1)])
    kind = SelectField("Kind", choices=KIND_CHOICES, default="statement")
    statement = TextAreaField(
        "Statement (optional)", validators=[Optional(), Length(max=STATEMENT_MAX)]
    )


class DismissForm(Form):
    version = version_field()
    reason = TextAreaField(
        "Why is it not worth checking?",
        validators=[DataRequired(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class RevisionForm(Form):
    """A new text for an article (the page as it reads now, pasted)."""

    text = TextAreaField(
        "The article's text as it reads now",
        validators=[DataRequired("Paste the new text."), Length(max=ARTICLE_TEXT_MAX)],
        render_kw={"rows": 10},
    )


class VersionForm(Form):
    """A button that acts on a record as read at `version` (restore)."""

    version = version_field()


class SplitForm(Form):
    version = version_field()
    at = SelectField("Split before the word", coerce=int, choices=[])


class MergeForm(Form):
    claims = SelectMultipleField("Claims to merge", coerce=int, choices=[], validate_choice=False)


SOURCE_KIND_LABELS = {
    "primary_document": "Primary document",
    "official_statement": "Official statement",
    "news_report": "News report",
    "analysis": "Analysis",
    "social_media": "Social media",
    "dataset": "Dataset",
    "other": "Other",
}
CHECK_STATE_LABELS = {
    "unchecked": "Not fetched",
    "ok": "Archived",
    "changed": "Content changed",
    "dead": "Dead link",
}
STANCE_CHOICES = [SelectChoice(s, s.capitalize()) for s in STANCES]
RELIABILITY_CHOICES = [
    SelectChoice("", "Not rated"),
    SelectChoice("5", "5 — reliable"),
    SelectChoice("4", "4"),
    SelectChoice("3", "3"),
    SelectChoice("2", "2"),
    SelectChoice("1", "1 — unreliable"),
]


def _optional_int(value: object) -> int | None:
    return int(str(value)) if value not in (None, "") else None


class SourceFieldsForm(Form):
    """What a reviewer can say about a source."""

    title = StringField(
        "Title",
        validators=[Optional(), Length(max=TITLE_MAX)],
        description="Leave empty to use the page's own title.",
    )
    publisher = StringField("Publisher", validators=[Optional(), Length(max=NAME_MAX)])
    author = StringField("Author", validators=[Optional(), Length(max=NAME_MAX)])
    published = DateField("Published on", validators=[Optional()])
    kind = SelectField(
        "Kind", choices=[SelectChoice(k, v) for k, v in SOURCE_KIND_LABELS.items()], default="other"
    )
    reliability = SelectField(
        "Reliability", choices=RELIABILITY_CHOICES, coerce=_optional_int, default=""
    )
    reliability_note = TextAreaField(
        "Why this rating",
        validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class SourceForm(SourceFieldsForm):
    """Add a source: by address (fetched and archived), or by hand with a title."""

    url = StringField(
        "Address",
        validators=[Optional(), Length(max=URL_MAX)],
        description="The server fetches the page and archives it. Leave empty for a book, "
        "an interview or a document without an address.",
    )
    keep_without_snapshot = BooleanField(
        "If the page cannot be fetched, keep the source without an archived copy"
    )


class SourceEditForm(SourceFieldsForm):
    version = version_field()
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    url = StringField(
        "Address",
        validators=[Optional(), Length(max=URL_MAX)],
        description="Fixed once the source has an archived copy.",
    )


class SearchForm(Form):
    """The search box and its filters (a GET form)."""

    class Meta:
        csrf = False

    # Longer queries are cut to their first words (services.search.QUERY_MAX), not refused.
    q = StringField("Search", validators=[Optional(), Length(max=2000)])
    type = SelectField(
        "In",
        choices=[
            SelectChoice("", "Everything"),
            SelectChoice("claim", "Claims"),
            SelectChoice("article", "Articles"),
            SelectChoice("source", "Sources"),
            SelectChoice("evidence", "Evidence excerpts"),
        ],
        default="",
    )
    status = SelectField("Claim status", choices=[], default="")
    rating = SelectField("Rating", choices=[], default="")
    article = IntegerField("Article #", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    reviewer = SelectField("Assigned to", choices=[], default="")
    since = DateField("Changed from", validators=[Optional()])
    until = DateField("Changed until", validators=[Optional()])


class SourceFilterForm(Form):
    """The library's filters (a GET form)."""

    class Meta:
        csrf = False

    q = StringField("Title, publisher or address", validators=[Optional(), Length(max=200)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(k, v) for k, v in SOURCE_KIND_LABELS.items()],
        default="",
    )
    state = SelectField(
        "State",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(k, CHECK_STATE_LABELS[k]) for k in CHECK_STATES],
        default="",
    )


# The text input behind a source picker: suggestions from the page's <datalist>, no script.
PICKER = {"list": "source-choices", "autocomplete": "off", "spellcheck": "false"}
SOURCE_REF_HELP = "Type to pick from the library (“#12 — Title”), or paste an address to add it."


class CitationForm(Form):
    cited = StringField(
        "Cites",
        validators=[DataRequired(), Length(max=URL_MAX)],
        description=SOURCE_REF_HELP,
        render_kw=PICKER,
    )
    note = StringField("Where or how", validators=[Optional(), Length(max=NAME_MAX)])


class EvidenceFieldsForm(Form):
    excerpt = TextAreaField(
        "Excerpt",
        validators=[DataRequired(), Length(max=EXCERPT_MAX)],
        description="The words of the source that matter, as they appear in it; use … "
        "for a gap. Checked against the archived copy.",
        render_kw={"rows": 3},
    )
    locator = StringField(
        "Locator",
        validators=[Optional(), Length(max=NAME_MAX)],
        description="Page, paragraph or timestamp.",
    )
    stance = SelectField("Stance", choices=STANCE_CHOICES)
    stated_value = StringField(
        "Figure it states",
        validators=[Optional(), Length(max=NAME_MAX)],
        description="Optional: e.g. “USD 1.2 billion”, “36 units”, “150 km”; compared with the "
        "claim's figure.",
    )
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description="Markdown.",
        render_kw={"rows": 2},
    )


class EvidenceForm(EvidenceFieldsForm):
    source = StringField(
        "Source",
        validators=[DataRequired(), Length(max=URL_MAX)],
        description=SOURCE_REF_HELP,
        render_kw=PICKER,
    )
    keep_without_snapshot = BooleanField(
        "If a new address cannot be fetched, keep its source without an archived copy"
    )


class EvidenceEditForm(EvidenceFieldsForm):
    version = version_field()


class AttributionForm(Form):
    version = version_field()
    # Its own id: the claim page also has the evidence form's "source" field.
    source = StringField(
        "Attributed to",
        id="attributed-source",
        validators=[Optional(), Length(max=URL_MAX)],
        description=SOURCE_REF_HELP + " Leave empty to unlink.",
        render_kw=PICKER,
    )


class VerdictForm(Form):
    version = version_field()
    rating = SelectField("Rating", coerce=int, choices=[])
    confidence = IntegerField(
        "Confidence (0-100)",
        validators=[InputRequired("Give a confidence from 0 to 100."), NumberRange(0, 100)],
        render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"},
    )
    rationale = TextAreaField(
        "Rationale",
        validators=[DataRequired("Explain the verdict."), Length(max=NOTE_MAX)],
        description="Markdown. What the evidence shows and why this rating.",
        render_kw={"rows": 5},
    )


class RejectForm(Form):
    comment = TextAreaField(
        "What is missing",
        validators=[DataRequired("Tell the reviewer what is missing."), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class ReasonForm(Form):
    version = version_field()
    reason = TextAreaField(
        "Why reopen it",
        validators=[DataRequired("Say why."), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )


class AssignForm(Form):
    version = version_field()
    assignee = SelectField("Assigned to", coerce=_optional_int, choices=[])


class RatingForm(Form):
    version = version_field()
    label = StringField("Label", validators=[DataRequired(), Length(max=80)])
    numeric = SelectField(
        "Numeric value (for publishing)",
        coerce=_optional_int,
        choices=[SelectChoice("", "None (not on the 1-5 scale)")]
        + [SelectChoice(str(n), f"{n}") for n in (5, 4, 3, 2, 1)],
        default="",
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 2}
    )


class NewRatingForm(RatingForm):
    version = IntegerField(widget=HiddenInput(), default=1)
