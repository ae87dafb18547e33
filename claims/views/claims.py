"""A claim's page: its words in context, its edit forms, its history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from claims import audit, graph
from claims.anchoring import word_boundaries
from claims.config import fetch_options
from claims.errors import ClaimsError, ConflictError
from claims.forms import (
    SOURCE_KIND_LABELS,
    AttributionForm,
    ClaimEditForm,
    DismissForm,
    EvidenceEditForm,
    EvidenceForm,
    SplitForm,
    VersionForm,
    carry_version,
)
from claims.models import Claim, Evidence
from claims.services import claims, evidence, sources
from claims.services.sources import Provenance
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


def provenance_layout(claim: Claim, prov: Provenance) -> graph.Layout:
    """The provenance graph: claim → attributed source → cited sources → snapshots, and the
    claim's evidence sources with their stance."""
    root = f"claim-{claim.id}"
    nodes = [
        graph.Node(
            root,
            "claim",
            claim.quote,
            f"according to {claim.attribution}" if claim.attribution else "the article's words",
        )
    ]
    edges: list[graph.Edge] = []
    for source in prov.sources.values():
        detail = SOURCE_KIND_LABELS.get(source.kind, source.kind)
        if source.reliability:
            detail += f" · reliability {source.reliability}/5"
        nodes.append(
            graph.Node(
                f"source-{source.id}",
                "source",
                source.title,
                detail,
                url_for("sources.show", source_id=source.id),
            )
        )
        shot = prov.latest.get(source.id)
        if shot is not None:
            nodes.append(
                graph.Node(
                    f"snapshot-{shot.id}",
                    "snapshot",
                    f"Archived {shot.fetched_at:%Y-%m-%d %H:%M} UTC",
                    f"sha256 {shot.sha256[:12]}…",
                    url_for("sources.snapshot", snapshot_id=shot.id),
                )
            )
            edges.append(graph.Edge(f"source-{source.id}", f"snapshot-{shot.id}", "archived"))
    if prov.attributed is not None:
        edges.append(graph.Edge(root, f"source-{prov.attributed.id}", "attributed to"))
    for source_id in prov.evidence_sources:
        if prov.attributed is None or source_id != prov.attributed.id:
            edges.append(graph.Edge(root, f"source-{source_id}", "evidence"))
    for citation in prov.citations:
        edges.append(
            graph.Edge(f"source-{citation.source_id}", f"source-{citation.cited_id}", "cites")
        )
    return graph.layout(root, nodes, edges)


def _page(
    claim: Claim,
    *,
    edit_form: ClaimEditForm | None = None,
    dismiss_form: DismissForm | None = None,
    restore_form: VersionForm | None = None,
    split_form: SplitForm | None = None,
    evidence_form: EvidenceForm | None = None,
    attribution_form: AttributionForm | None = None,
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
    items = evidence.claim_evidence(claim.id)
    prov = sources.provenance(claim.attributed_source_id, [e.source_id for e in items])
    if attribution_form is None:
        attribution_form = AttributionForm(formdata=None)
        attribution_form.version.data = claim.version
        if prov.attributed is not None:
            attribution_form.source.data = f"#{prov.attributed.id} — {prov.attributed.title}"
    history = None
    if current_user.has_role("editor"):
        history = audit.history("claim", claim.id, limit=TIMELINE_LENGTH)
    latest = prov.latest
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
            evidence_groups=evidence.by_stance(items),
            evidence_count=len(items),
            latest=latest,
            evidence_form=evidence_form or EvidenceForm(formdata=None),
            attribution_form=attribution_form,
            provenance=prov,
            graph_layout=provenance_layout(claim, prov) if prov.sources else None,
            picker=sources.recent_sources(),
        ),
        status,
    )


@bp.route("/<id:claim_id>")
@allow("reviewer")
def show(claim_id: int) -> ResponseReturnValue:
    return _page(claims.get_claim(claim_id))


FormSlot = ClaimEditForm | DismissForm | VersionForm | SplitForm | EvidenceForm | AttributionForm


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


@bp.route("/<id:claim_id>/evidence", methods=["POST"])
@allow("reviewer")
def add_evidence(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = EvidenceForm()

    def attach() -> Evidence:
        evidence.open_claim(claim.id)  # before a pasted address is fetched and stored
        source, _ = sources.resolve_or_add(
            current_actor(),
            form.source.data or "",
            fetch_options(current_app.config),
            keep_without_snapshot=bool(form.keep_without_snapshot.data),
        )
        return evidence.add_evidence(
            current_actor(),
            claim.id,
            source.id,
            excerpt=form.excerpt.data or "",
            stance=form.stance.data or "",
            locator=form.locator.data,
            note=form.note.data,
        )

    return _submit(claim, form, "evidence_form", attach, _attached)


def _attached(item: Evidence) -> str:
    state = {
        "verified": "its excerpt is verified in the archived copy",
        "not_found": "its excerpt was not found in the archived copy",
        "no_snapshot": "its source has no archived copy to check the excerpt against",
    }[item.quote_verified]
    return f"Evidence from “{short(item.source.title)}” attached; {state}."


@bp.route("/<id:claim_id>/attribution", methods=["POST"])
@allow("reviewer")
def attribute(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = AttributionForm()

    def link() -> Claim:
        reference = (form.source.data or "").strip()
        source_id = None
        if reference:
            source_id = sources.resolve_or_add(
                current_actor(), reference, fetch_options(current_app.config)
            )[0].id
        return claims.attribute_claim(current_actor(), claim.id, form.version.data or 0, source_id)

    return _submit(
        claim,
        form,
        "attribution_form",
        link,
        lambda c: (
            "Attribution linked to its source."
            if c.attributed_source_id
            else "Attribution unlinked."
        ),
    )


def _evidence_page(
    item: Evidence, form: EvidenceEditForm, status: int = 200, conflict: Evidence | None = None
) -> ResponseReturnValue:
    return (
        render_template(
            "claims/evidence.html",
            item=item,
            form=form,
            remove_form=VersionForm(formdata=None, data={"version": item.version}),
            conflict=conflict,
        ),
        status,
    )


@bp.route("/evidence/<id:evidence_id>")
@allow("reviewer")
def edit_evidence(evidence_id: int) -> ResponseReturnValue:
    item = evidence.get_evidence(evidence_id)
    form = EvidenceEditForm(formdata=None, obj=item)
    form.version.data = item.version
    return _evidence_page(item, form)


@bp.route("/evidence/<id:evidence_id>", methods=["POST"])
@allow("reviewer")
def update_evidence(evidence_id: int) -> ResponseReturnValue:
    item = evidence.get_evidence(evidence_id)
    form = EvidenceEditForm()
    if not form.validate_on_submit():
        return _evidence_page(item, form, 422)
    try:
        evidence.update_evidence(
            current_actor(),
            item.id,
            form.version.data or 0,
            excerpt=form.excerpt.data or "",
            stance=form.stance.data,
            locator=form.locator.data or "",
            note=form.note.data or "",
        )
    except ConflictError as exc:
        form.form_errors.append(exc.message)
        carry_version(form, item.version)
        return _evidence_page(item, form, 409, conflict=item)
    except ClaimsError as exc:
        form_error(form, exc)
        return _evidence_page(item, form, 422)
    flash("Evidence saved.", "success")
    return redirect(url_for("claims.show", claim_id=item.claim_id) + f"#evidence-{item.id}")


@bp.route("/evidence/<id:evidence_id>/delete", methods=["POST"])
@allow("reviewer")
def remove_evidence(evidence_id: int) -> ResponseReturnValue:
    item = evidence.get_evidence(evidence_id)
    form = VersionForm()
    if not form.validate_on_submit():
        return _evidence_page(item, EvidenceEditForm(formdata=None, obj=item), 422)
    try:
        evidence.remove_evidence(current_actor(), item.id, form.version.data or 0)
    except ConflictError as exc:
        edit = EvidenceEditForm(formdata=None, obj=item)
        edit.version.data = item.version
        edit.form_errors.append(exc.message)
        return _evidence_page(item, edit, 409)
    flash("Evidence removed; the audit trail keeps what it said.", "success")
    return redirect(url_for("claims.show", claim_id=item.claim_id) + "#evidence")
