"""The editorial workflow of a claim, in one place: which moves exist, from which states, for
which role, and what must be true first. Pure: services ask `check()` before every change of a
claim's state, and the pages ask `allowed()` to decide which buttons to show.

    new ──start──▶ in_research ──propose──▶ verdict_proposed ──approve──▶ approved
     │  ╲                ▲   ╲                   │                          │
     │   ╲──propose──────┼────╲─────────────────▶│ reject (back, comment)   │ reopen
     │                   └─────────────────────────────────────────────────┘
     └─dismiss──▶ dismissed ──restore──▶ new        (dismiss also from in_research)
"""

from __future__ import annotations

from dataclasses import dataclass

from claims.errors import ConflictError, PermissionDeniedError, ValidationError

STATE_LABELS = {
    "new": "New",
    "in_research": "In research",
    "verdict_proposed": "Verdict proposed",
    "approved": "Approved (published)",
    "dismissed": "Dismissed",
}
ROLE_RANK = {"reviewer": 0, "editor": 1, "admin": 2}


@dataclass(frozen=True)
class Move:
    """One kind of change of a claim's state."""

    name: str
    sources: tuple[str, ...]
    target: str
    role: str
    label: str


MOVES = {
    m.name: m
    for m in (
        Move("start", ("new",), "in_research", "reviewer", "Start research"),
        Move("propose", ("new", "in_research"), "verdict_proposed", "reviewer", "Propose"),
        Move("approve", ("verdict_proposed",), "approved", "editor", "Approve and publish"),
        Move("reject", ("verdict_proposed",), "in_research", "editor", "Send back to research"),
        Move("reopen", ("approved",), "in_research", "editor", "Reopen"),
        Move("dismiss", ("new", "in_research"), "dismissed", "reviewer", "Dismiss"),
        Move("restore", ("dismissed",), "new", "reviewer", "Restore"),
    )
}
# What `POST /api/claims/<id>/transition {"to": ...}` means from each state.
BY_TARGET = {
    ("new", "in_research"): "start",
    ("new", "dismissed"): "dismiss",
    ("in_research", "dismissed"): "dismiss",
    ("dismissed", "new"): "restore",
    ("approved", "in_research"): "reopen",
}


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about a claim and the person acting."""

    role: str
    evidence: int = 0
    pending_verdict: bool = False
    verdict_author: int | None = None
    actor_id: int | None = None


# Each refusal in words a reviewer can act on.
_STATE_REFUSALS = {
    "approve": "Only a claim with a proposed verdict can be approved; this one is {state}.",
    "reject": "Only a claim with a proposed verdict can be sent back; this one is {state}.",
    "propose": "A verdict can be proposed on a new or researched claim; this one is {state}.",
    "reopen": "Only an approved claim can be reopened; this one is {state}.",
    "dismiss": "Only a new or researched claim can be dismissed; this one is {state}.",
    "restore": "Only a dismissed claim can be restored; this one is {state}.",
    "start": "Research can only start on a new claim; this one is {state}.",
}


_ROLE_REFUSALS = {
    "approve": "Only an editor can approve a verdict.",
    "reject": "Only an editor can send a verdict back to research.",
    "reopen": "Only an editor can reopen an approved claim.",
    "start": "Only a reviewer can start research on a claim.",
    "propose": "Only a reviewer can propose a verdict.",
    "dismiss": "Only a reviewer can dismiss a claim.",
    "restore": "Only a reviewer can restore a claim.",
}


def check(move_name: str, state: str, facts: Facts) -> str:
    """The state a claim moves to, if this move is allowed now.

    Raises PermissionDeniedError when the role is too low or an editor would approve their own
    verdict (four eyes), ConflictError for a move that is illegal from this state or whose
    condition does not hold (approving with no verdict or no evidence).
    """
    move = MOVES[move_name]
    if ROLE_RANK.get(facts.role, -1) < ROLE_RANK[move.role]:
        raise PermissionDeniedError(_ROLE_REFUSALS.get(move_name, "Your role cannot do this."))
    if state not in move.sources:
        label = STATE_LABELS.get(state, state).lower()
        raise ConflictError(_STATE_REFUSALS[move_name].format(state=label))
    if move_name in ("approve", "reject") and not facts.pending_verdict:
        raise ConflictError("There is no proposed verdict to decide.")
    if move_name == "approve":
        if facts.actor_id is not None and facts.actor_id == facts.verdict_author:
            raise PermissionDeniedError(
                "Four eyes: a verdict is approved by an editor other than its author."
            )
        if facts.evidence == 0:
            raise ConflictError("A verdict cannot be published without evidence; attach some.")
    return move.target


def allowed(state: str, facts: Facts) -> list[Move]:
    """The moves this person could make on a claim in this state now."""
    possible = []
    for move in MOVES.values():
        try:
            check(move.name, state, facts)
        except (ConflictError, PermissionDeniedError):
            continue
        possible.append(move)
    return possible


def move_for(state: str, target: str) -> str:
    """The move that takes a claim from `state` to `target` (for the API's transition call).

    Raises ConflictError when no plain move does; proposing and deciding verdicts have their
    own calls.
    """
    if target not in STATE_LABELS:
        raise ValidationError(
            f"There is no state {target!r}; states: {', '.join(STATE_LABELS)}.", field="to"
        )
    name = BY_TARGET.get((state, target))
    if name is None:
        if target == "verdict_proposed":
            raise ConflictError("Propose a verdict with POST /api/claims/<id>/verdicts.")
        if target == "approved":
            raise ConflictError(
                "Approve the proposed verdict with POST /api/verdicts/<id>/approve."
            )
        raise ConflictError(
            f"A claim cannot go from {STATE_LABELS.get(state, state).lower()} to "
            f"{STATE_LABELS[target].lower()}."
        )
    return name
