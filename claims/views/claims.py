"""A claim's page: its words in context, its edit forms, its history."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from jinja2 import Environment
from markupsafe import Markup

from claims import audit, graph, workflow
from claims.anchoring import word_boundaries
from claims.config import fetch_options, publisher
from claims.errors import ClaimsError, ConflictError
from claims.forms import (
    SOURCE_KIND_LABELS,
    AssignForm,
    AttributionForm,
    ClaimEditForm,
    ConfirmForm,
    DismissForm,
    EvidenceEditForm,
    EvidenceForm,
    ReasonForm,
    RejectForm,
    SplitForm,
    VerdictForm,
    VersionForm,
    carry_version,
)
from claims.models import Claim, Evidence
from claims.pagecache import Dependencies
from claims.services import (
    claims,
    evidence,
    matches,
    publishing,
    revisions,
    sources,
    users,
    verdicts,
)
from claims.services.sources import Provenance
from claims.views import pages
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


def provenance_svg(claim: Claim, prov: Provenance) -> Markup | None:
    """The provenance graph drawn (templates/_graph.html), or None when there is no source."""
    if not prov.sources:
        return None
    return _drawn(
        current_app.jinja_env, provenance_layout(claim, prov), f"Provenance of claim #{claim.id}"
    )


@functools.lru_cache(maxsize=128)
def _drawn(env: Environment, layout: graph.Layout, title: str) -> Markup:
    """A layout drawn, remembered with it: a busy claim's page is drawn again after every
    change to its evidence while its sources stay as they were."""
    draw = getattr(env.get_template("_graph.html").module, "provenance_graph")  # noqa: B009
    drawn: Markup = draw(layout, title)  # a macro of an autoescaped template: escaped Markup
    return drawn


def _versioned(form_class: type, claim: Claim, **kwargs: Any) -> Any:
    form = form_class(formdata=None, **kwargs)
    form.version.data = claim.version
    return form


def verdict_form(
    claim: Claim, submitted: bool = False, scale: list[Any] | None = None
) -> VerdictForm:
    """The propose-a-verdict form, its ratings from the scale (data, not code)."""
    form = VerdictForm() if submitted else _versioned(VerdictForm, claim)
    form.rating.choices = [(r.id, r.label) for r in scale or verdicts.ratings()]
    return form


def assign_form(claim: Claim, submitted: bool = False) -> AssignForm:
    """Reviewers choose between themselves and nobody; editors choose anyone active."""
    form = AssignForm() if submitted else _versioned(AssignForm, claim)
    if not submitted:
        form.assignee.data = claim.assignee_id
    choices: list[tuple[Any, str]] = [("", "Nobody")]
    if current_user.has_role("editor"):
        choices += [(u.id, u.display_name) for u in users.active_accounts()]
    else:
        choices.append((current_user.id, f"Me ({current_user.display_name})"))
        assignee = None
        if claim.assignee_id not in (None, current_user.id):
            assignee = users.user_by_id(claim.assignee_id)
        if assignee is not None:
            choices.append((assignee.id, assignee.display_name))
    form.assignee.choices = choices
    return form


def _page(
    claim: Claim,
    *,
    status: int = 200,
    conflict: Claim | None = None,
    **forms: Any,
) -> ResponseReturnValue:
    """The claim's page; `forms` holds the submitted form (as typed) in its slot, every other
    form is fresh."""
    return _render(claim, Dependencies(), conflict=conflict, **forms), status


def _render(
    claim: Claim,
    dependencies: Dependencies,
    *,
    conflict: Claim | None = None,
    **forms: Any,
) -> str:
    """Draw the claim's page, noting in `dependencies` every record it shows."""
    since = pages.drawing_mark()  # before anything is read (the provenance part)
    scale = verdicts.ratings()
    defaults: dict[str, Callable[[], Any]] = {
        "edit_form": lambda: _versioned(ClaimEditForm, claim, obj=claim),
        "dismiss_form": lambda: _versioned(DismissForm, claim),
        "restore_form": lambda: _versioned(VersionForm, claim),
        "start_form": lambda: _versioned(VersionForm, claim),
        "reopen_form": lambda: _versioned(ReasonForm, claim),
        "split_form": lambda: _split_form(claim),
        "evidence_form": lambda: EvidenceForm(formdata=None),
        "verdict_form": lambda: verdict_form(claim, scale=scale),
        "reject_form": lambda: RejectForm(formdata=None),
        "assign_form": lambda: assign_form(claim),
        "approve_form": lambda: ConfirmForm(formdata=None),
        "recheck_form": lambda: _versioned(VersionForm, claim),
        "attribution_form": lambda: None,
    }
    for slot, make in defaults.items():
        if forms.get(slot) is None:
            forms[slot] = make()
    items = evidence.claim_evidence(claim.id)
    prov, graph_svg = _provenance_of(claim, items, since)
    if forms["attribution_form"] is None:
        form = forms["attribution_form"] = _versioned(AttributionForm, claim)
        if prov.attributed is not None:
            form.source.data = f"#{prov.attributed.id} — {prov.attributed.title}"
    history = None
    if current_user.has_role("editor"):
        history = audit.history("claim", claim.id, limit=TIMELINE_LENGTH)
    actor = current_actor()
    history_of_verdicts = verdicts.claim_verdicts(claim.id)
    # From what the page has read: all its evidence, its whole verdict history.
    facts = claims.workflow_facts(actor, claim, evidence=items, verdicts=history_of_verdicts)
    independent = evidence.independence_of(items)
    # The evidence on the page, not read again; dependent items count once.
    support = verdicts.support_of(items, independent.group_of())
    figures = claims.quantities_of([claim])[claim.id]
    current = next((v for v in history_of_verdicts if v.current), None)
    publication: publishing.Entry | None = None
    publication_error = None
    if current is not None:
        try:
            publication = publishing.claim_entry(claim.id, publisher(current_app.config))
        except ClaimsError as exc:
            publication_error = exc.message
    matched = matches.matches_of(claim.id)
    linked = matches.linked_evidence(claim.id)
    picker = sources.recent_sources()
    listed = [choice for choice, _ in forms["assign_form"].assignee.choices if choice]
    _depend(dependencies, claim, items, prov, history_of_verdicts, matched, linked, picker)
    dependencies.add("user", listed)
    return render_template(
        "claims/show.html",
        claim=claim,
        quantities=figures,
        number_checks=evidence.number_checks(items, figures),
        matched=matched,
        linked=linked,
        match_form=ConfirmForm(formdata=None),
        independent=independent,
        history=history,
        conflict=conflict,
        evidence_groups=evidence.by_stance(items),
        evidence_count=len(items),
        evidence_by_id={e.id: e for e in items},
        latest=prov.latest,
        provenance=prov,
        graph_svg=graph_svg,
        picker=picker,
        moves={m.name for m in workflow.allowed(claim.status, facts)},
        facts=facts,
        verdicts=history_of_verdicts,
        pending=next((v for v in history_of_verdicts if v.state == "proposed"), None),
        current=current,
        publication=publication,
        publication_error=publication_error,
        support=support,
        scale=scale,
        moved=revisions.latest_outcome(claim),
        **forms,
    )


def _provenance_of(
    claim: Claim, items: list[Evidence], since: int
) -> tuple[Provenance, Markup | None]:
    """The claim's provenance and its graph, kept between drawings of the page
    (pages.remembered_part) while its sources, their citations and snapshots, and the claim's
    words and attribution stay as they were. Shared between users: it holds records and a
    drawing of them, nothing of the request (the graph has no form); no one changes it."""
    source_ids = [e.source_id for e in items]
    key = (
        "claims.provenance",
        claim.id,
        claim.quote,
        claim.attribution,
        claim.attributed_source_id,
        tuple(source_ids),
        request.script_root,
    )

    def make(dependencies: Dependencies) -> tuple[Provenance, Markup | None]:
        prov = sources.provenance(
            claim.attributed_source_id, source_ids, {e.source.id: e.source for e in items}
        )
        # Events on snapshots and citations name their source as their parent.
        dependencies.add("source", prov.sources)
        return prov, provenance_svg(claim, prov)

    made: tuple[Provenance, Markup | None] = pages.remembered_part(key, make, since)
    return made


def _depend(
    dependencies: Dependencies,
    claim: Claim,
    items: list[Evidence],
    prov: Provenance,
    history_of_verdicts: list[Any],
    matched: list[matches.Listed],
    linked: list[Evidence],
    picker: list[Any],
) -> None:
    """What the claim's page shows, for the page memory (claims/views/pages.py). Events on a
    claim's evidence, verdicts and match decisions name the claim as their parent, and events on
    snapshots and citations name their source."""
    dependencies.add("claim", [claim.id])
    dependencies.add("article", [claim.article_id])
    dependencies.add("evidence", [e.id for e in items] + [e.id for e in linked])
    dependencies.add("claim", [m.other.id for m in matched] + [e.claim_id for e in linked])
    dependencies.add("article", [m.other.article_id for m in matched])
    dependencies.add("source", [*prov.sources, *(s.id for s in picker)])
    dependencies.add("verdict", [v.id for v in history_of_verdicts])
    people = [claim.assignee_id, claim.dismissed_by_id]
    people += [e.created_by_id for e in items]
    people += [u for v in history_of_verdicts for u in (v.author_id, v.approver_id)]
    dependencies.add("user", people)
    # Read wholesale: the rating scale; the accounts an editor may assign (any new or
    # reactivated one joins the list); the newest sources offered by the picker.
    dependencies.types.add("rating")
    dependencies.actions.update({"user.create", "user.activate", "source.create"})


@bp.route("/<id:claim_id>")
@allow("reviewer")
def show(claim_id: int) -> ResponseReturnValue:
    return pages.remembered(
        "claims.show", lambda dependencies: _render(claims.get_claim(claim_id), dependencies)
    )


FormSlot = Any


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
        if hasattr(form, "version"):
            carry_version(form, claim.version)
        # The edit form shows the reviewer's text beside the current one.
        return _page(
            claim, **{slot: form}, status=409, conflict=claim if slot == "edit_form" else None
        )
    except ClaimsError as exc:
        form_error(form, exc)
        return _page(claim, **{slot: form}, status=exc.status)
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
            stated_value=form.stated_value.data or None,
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
        claims.current_claim(claim.id, form.version.data or 0)  # stale: nothing is fetched
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
            stated_value=form.stated_value.data or "",
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


@bp.route("/<id:claim_id>/verdicts", methods=["POST"])
@allow("reviewer")
def propose(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = verdict_form(claim, submitted=True)
    return _submit(
        claim,
        form,
        "verdict_form",
        lambda: verdicts.propose_verdict(
            current_actor(),
            claim.id,
            rating_id=form.rating.data or 0,
            confidence_value=form.confidence.data if form.confidence.data is not None else -1,
            rationale=form.rationale.data or "",
            version=form.version.data,
        ),
        lambda v: (
            f"Verdict proposed: {v.rating.label}, confidence {v.confidence}. An editor "
            "decides next."
        ),
    )


@bp.route("/verdicts/<id:verdict_id>/approve", methods=["POST"])
@allow("editor")
def approve(verdict_id: int) -> ResponseReturnValue:
    verdict = verdicts.get_verdict(verdict_id)
    claim = claims.get_claim(verdict.claim_id)
    form = ConfirmForm()
    return _submit(
        claim,
        form,
        "approve_form",
        lambda: verdicts.approve_verdict(current_actor(), verdict.id),
        lambda v: f"Approved: {v.rating.label} is now the claim's current verdict.",
    )


@bp.route("/verdicts/<id:verdict_id>/reject", methods=["POST"])
@allow("editor")
def reject(verdict_id: int) -> ResponseReturnValue:
    verdict = verdicts.get_verdict(verdict_id)
    claim = claims.get_claim(verdict.claim_id)
    form = RejectForm()
    return _submit(
        claim,
        form,
        "reject_form",
        lambda: verdicts.reject_verdict(current_actor(), verdict.id, form.comment.data or ""),
        lambda _: "Sent back to research with your comment.",
    )


@bp.route("/<id:claim_id>/start", methods=["POST"])
@allow("reviewer")
def start(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = VersionForm()
    return _submit(
        claim,
        form,
        "start_form",
        lambda: claims.start_research(current_actor(), claim.id, form.version.data or 0),
        lambda _: "Research started.",
    )


@bp.route("/<id:claim_id>/matches/<id:other_id>", methods=["POST"])
@allow("reviewer")
def decide_match(claim_id: int, other_id: int) -> ResponseReturnValue:
    """Confirm that another claim says the same (its evidence is linked), or reject it."""
    claim = claims.get_claim(claim_id)
    if not ConfirmForm().validate_on_submit() or request.form.get("confirm") not in ("1", "0"):
        abort(400)
    confirm = request.form["confirm"] == "1"
    try:
        matches.decide_match(current_actor(), claim.id, other_id, confirm)
    except ClaimsError as exc:
        flash(exc.message, "error")
        return redirect(url_for("claims.show", claim_id=claim.id) + "#matches")
    flash(
        f"Claim #{other_id} confirmed as the same claim: its evidence is linked here."
        if confirm
        else f"Claim #{other_id} is not the same claim: suggestion removed.",
        "success",
    )
    return redirect(url_for("claims.show", claim_id=claim.id) + "#matches")


@bp.route("/<id:claim_id>/recheck", methods=["POST"])
@allow("editor")
def confirm_recheck(claim_id: int) -> ResponseReturnValue:
    """An editor decides that the approved verdict still holds for the article's new words."""
    claim = claims.get_claim(claim_id)
    form = VersionForm()
    return _submit(
        claim,
        form,
        "recheck_form",
        lambda: revisions.confirm_verdict(current_actor(), claim.id, form.version.data or 0),
        lambda c: "The verdict still holds: published again as it was.",
    )


@bp.route("/<id:claim_id>/reopen", methods=["POST"])
@allow("editor")
def reopen(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = ReasonForm()
    return _submit(
        claim,
        form,
        "reopen_form",
        lambda: claims.reopen_claim(
            current_actor(), claim.id, form.version.data or 0, form.reason.data or ""
        ),
        lambda _: (
            "Reopened: back in research. The published verdict stands until a new one is approved."
        ),
    )


@bp.route("/<id:claim_id>/assign", methods=["POST"])
@allow("reviewer")
def assign(claim_id: int) -> ResponseReturnValue:
    claim = claims.get_claim(claim_id)
    form = assign_form(claim, submitted=True)
    return _submit(
        claim,
        form,
        "assign_form",
        lambda: claims.assign_claim(
            current_actor(), claim.id, form.version.data or 0, form.assignee.data
        ),
        lambda c: f"Assigned to {c.assignee.display_name}." if c.assignee_id else "Unassigned.",
    )
