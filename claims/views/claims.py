"""A claim's page: its words in context, its edit forms, its history."""

from __future__ import annotations

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


@bp.route("/<id:claim_id>", methods=["POST"])
@allow("reviewer")
def update(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = ClaimEditForm()
    if not form.validate_on_submit():
        return _page(claim, edit_form=form, status=422)
    try:
        claims.update_claim(
            current_actor(),
            claim.id,
            form.version.data or 0,
            statement=form.statement.data or "",
            kind=form.kind.data,
        )
    except ConflictError as exc:
        # What the reviewer typed stays, beside the current text, ready to save over it.
        form.form_errors.append(exc.message)
        carry_version(form, claim.version)
        return _page(claim, edit_form=form, status=409, conflict=claim)
    except ClaimsError as exc:
        form_error(form, exc)
        return _page(claim, edit_form=form, status=422)
    flash("Saved.", "success")
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.route("/<id:claim_id>/dismiss", methods=["POST"])
@allow("reviewer")
def dismiss(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = DismissForm()
    if not form.validate_on_submit():
        return _page(claim, dismiss_form=form, status=422)
    try:
        claims.dismiss_claim(
            current_actor(), claim.id, form.version.data or 0, form.reason.data or ""
        )
    except ConflictError as exc:
        form.form_errors.append(exc.message)
        carry_version(form, claim.version)
        return _page(claim, dismiss_form=form, status=409)
    except ClaimsError as exc:
        form_error(form, exc)
        return _page(claim, dismiss_form=form, status=422)
    flash("Dismissed as not check-worthy; it stays on record.", "success")
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.route("/<id:claim_id>/restore", methods=["POST"])
@allow("reviewer")
def restore(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _page(claim, restore_form=form, status=422)
    try:
        claims.restore_claim(current_actor(), claim.id, form.version.data or 0)
    except ConflictError as exc:
        form.form_errors.append(exc.message)
        carry_version(form, claim.version)
        return _page(claim, restore_form=form, status=409)
    flash("Back on the worklist.", "success")
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.route("/<id:claim_id>/split", methods=["POST"])
@allow("reviewer")
def split(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = _split_form(claim, submitted=True)
    if not form.validate_on_submit():
        return _page(claim, split_form=form, status=422)
    try:
        kept, new = claims.split_claim(
            current_actor(), claim.id, form.version.data or 0, form.at.data or 0
        )
    except ConflictError as exc:
        form.form_errors.append(exc.message)
        carry_version(form, claim.version)
        return _page(claim, split_form=form, status=409)
    except ClaimsError as exc:
        form_error(form, exc)
        return _page(claim, split_form=form, status=422)
    flash(
        f"Split: this claim keeps “{short(kept.quote)}”, claim #{new.id} has “{short(new.quote)}”.",
        "success",
    )
    return redirect(url_for("claims.show", claim_id=kept.id))
