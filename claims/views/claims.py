"""A claim's page: its words in context, its edit forms, its history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit
from claims.anchoring import word_boundaries
from claims.errors import ClaimsError, ConflictError
from claims.forms import ClaimEditForm, DismissForm, SplitForm, VersionForm, carry_version
from claims.models import Claim
from claims.services import claims
from claims.views.access import allow, current_actor
from claims.views.articles import TIMELINE_LENGTH, form_error, short

bp = Blueprint("claims", __name__, url_prefix="/claims")


def _split_form(claim: Claim, submitted: bool = False) -> SplitForm:
    form = SplitForm() if submitted else SplitForm(formdata=None)
    if not submitted:
        form.version.data = claim.version
    text = claim.article.text
    form.at.choices = [
        (at, text[at : at + 40].split()[0]) for at in word_boundaries(text, claim.start, claim.end)
    ]
    return form


def _page(
    claim: Claim,
    *,
    edit_form: ClaimEditForm | None = None,
    dismiss_form: DismissForm | None = None,
    restore_form: VersionForm | None = None,
    split_form: SplitForm | None = None,
    status: int = 200,
    conflict: Claim | None = None,
) -> ResponseReturnValue:
    if edit_form is None:
        edit_form = ClaimEditForm(formdata=None, obj=claim)
        edit_form.version.data = claim.version
    if dismiss_form is None:
        dismiss_form = DismissForm(formdata=None)
        dismiss_form.version.data = claim.version
    if restore_form is None:
        restore_form = VersionForm(formdata=None)
        restore_form.version.data = claim.version
    history = None
    if current_user.has_role("editor"):
        history = audit.history("claim", claim.id, limit=TIMELINE_LENGTH)
    return (
        render_template(
            "claims/show.html",
            claim=claim,
            quantities=claims.quantities_of([claim])[claim.id],
            edit_form=edit_form,
            dismiss_form=dismiss_form,
            restore_form=restore_form,
            split_form=split_form or _split_form(claim),
            history=history,
            conflict=conflict,
        ),
        status,
    )


@bp.route("/<id:claim_id>")
@allow("reviewer")
def show(claim_id: int) -> ResponseReturnValue:
    return _page(claims.get_claim(claim_id))


FormSlot = ClaimEditForm | DismissForm | VersionForm | SplitForm


def _submit(
    claim: Claim,
    form: FormSlot,
    slot: str,
    action: Callable[[], Any],
    done: Callable[[Any], str],
) -> ResponseReturnValue:
    """Validate `form`, run the service `action`, and answer as every claim form does: the
    page again with the form as typed (422 invalid, 409 changed meanwhile, carrying the current
    version so the next save goes through), or a flash of `done(result)` and the claim."""
    if not form.validate_on_submit():
        return _page(claim, **{slot: form}, status=422)
    try:
        result = action()
    except ConflictError as exc:
        form.form_errors.append(exc.message)
        carry_version(form, claim.version)
        # The edit form shows the reviewer's text beside the current one.
        return _page(
            claim, **{slot: form}, status=409, conflict=claim if slot == "edit_form" else None
        )
    except ClaimsError as exc:
        form_error(form, exc)
        return _page(claim, **{slot: form}, status=422)
    flash(done(result), "success")
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.route("/<id:claim_id>", methods=["POST"])
@allow("reviewer")
def update(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = ClaimEditForm()
    return _submit(
        claim,
        form,
        "edit_form",
        lambda: claims.update_claim(
            current_actor(),
            claim.id,
            form.version.data or 0,
            statement=form.statement.data or "",
            kind=form.kind.data,
        ),
        lambda _: "Saved.",
    )


@bp.route("/<id:claim_id>/dismiss", methods=["POST"])
@allow("reviewer")
def dismiss(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = DismissForm()
    return _submit(
        claim,
        form,
        "dismiss_form",
        lambda: claims.dismiss_claim(
            current_actor(), claim.id, form.version.data or 0, form.reason.data or ""
        ),
        lambda _: "Dismissed as not check-worthy; it stays on record.",
    )


@bp.route("/<id:claim_id>/restore", methods=["POST"])
@allow("reviewer")
def restore(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = VersionForm()
    return _submit(
        claim,
        form,
        "restore_form",
        lambda: claims.restore_claim(current_actor(), claim.id, form.version.data or 0),
        lambda _: "Back on the worklist.",
    )


@bp.route("/<id:claim_id>/split", methods=["POST"])
@allow("reviewer")
def split(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = _split_form(claim, submitted=True)
    return _submit(
        claim,
        form,
        "split_form",
        lambda: claims.split_claim(
            current_actor(), claim.id, form.version.data or 0, form.at.data or 0
        ),
        lambda parts: (
            f"Split: this claim keeps “{short(parts[0].quote)}”, "
            f"claim #{parts[1].id} has “{short(parts[1].quote)}”."
        ),
    )
