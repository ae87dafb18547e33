"""The claim state machine (claims/workflow.py), checked against the README's table of moves.

Pure functions only: no app, no database. The table below is written out from the README by
hand, so that the tests are an independent statement of the rules rather than a copy of MOVES.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from dataclasses import replace

import pytest

from claims.errors import ConflictError, PermissionDeniedError, ValidationError
from claims.models import CLAIM_STATUSES
from claims.models import ROLES as MODEL_ROLES
from claims.workflow import (
    BY_TARGET,
    MOVES,
    ROLE_RANK,
    STATE_LABELS,
    Facts,
    allowed,
    check,
    move_for,
)

STATES = ("new", "in_research", "verdict_proposed", "approved", "dismissed")
ROLES = ("reviewer", "editor", "admin")
RANK = {"reviewer": 0, "editor": 1, "admin": 2}

# move: (states it starts from, state it leads to, lowest role that may make it)
TABLE = {
    "start": ({"new"}, "in_research", "reviewer"),
    "propose": ({"new", "in_research"}, "verdict_proposed", "reviewer"),
    "approve": ({"verdict_proposed"}, "approved", "editor"),
    "reject": ({"verdict_proposed"}, "in_research", "editor"),
    "reopen": ({"approved"}, "in_research", "editor"),
    "dismiss": ({"new", "in_research"}, "dismissed", "reviewer"),
    "restore": ({"dismissed"}, "new", "reviewer"),
}
# Facts under which every guard other than the state holds: an admin, with evidence, deciding
# somebody else's pending verdict.
ALL_CLEAR = Facts(role="admin", evidence=2, pending_verdict=True, verdict_author=1, actor_id=2)

PAIRS = list(itertools.product(TABLE, STATES))
LEGAL = [(m, s) for m, s in PAIRS if s in TABLE[m][0]]
ILLEGAL = [(m, s) for m, s in PAIRS if s not in TABLE[m][0]]


def words(state: str) -> str:
    """How a refusal names a state: its label, in lower case."""
    return STATE_LABELS[state].lower()


def test_the_workflow_speaks_the_models_vocabulary():
    assert tuple(STATE_LABELS) == CLAIM_STATUSES == STATES
    assert tuple(ROLE_RANK) == MODEL_ROLES == ROLES


def test_the_table_and_the_module_name_the_same_states_and_moves():
    assert set(STATE_LABELS) == set(STATES)
    assert set(MOVES) == set(TABLE)
    for name, move in MOVES.items():
        assert move.name == name
        assert set(move.sources) <= set(STATES)
        assert move.target in STATES
        assert move.label


# --- every (move, state) pair -------------------------------------------------------------


@pytest.mark.parametrize(("move", "state"), LEGAL)
def test_a_legal_move_returns_its_documented_target(move, state):
    assert check(move, state, ALL_CLEAR) == TABLE[move][1]


@pytest.mark.parametrize(("move", "state"), ILLEGAL)
def test_an_illegal_move_is_a_conflict_naming_the_current_state_in_words(move, state):
    with pytest.raises(ConflictError) as refused:
        check(move, state, ALL_CLEAR)
    message = str(refused.value)
    assert f"this one is {words(state)}." in message
    assert "_" not in message  # the label, never the slug


def test_a_state_the_module_does_not_know_is_a_conflict_that_names_it():
    with pytest.raises(ConflictError, match="this one is archived"):
        check("start", "archived", ALL_CLEAR)


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("move", ["approve", "reject", "reopen"])
def test_a_reviewer_cannot_approve_reject_or_reopen(move):
    state = next(iter(TABLE[move][0]))
    with pytest.raises(PermissionDeniedError, match="Only an editor"):
        check(move, state, replace(ALL_CLEAR, role="reviewer"))


@pytest.mark.parametrize("role", ["editor", "admin"])
@pytest.mark.parametrize("move", ["approve", "reject", "reopen"])
def test_an_editor_and_an_admin_can_approve_reject_and_reopen(move, role):
    state = next(iter(TABLE[move][0]))
    assert check(move, state, replace(ALL_CLEAR, role=role)) == TABLE[move][1]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", ["start", "propose", "dismiss", "restore"])
def test_every_role_can_make_the_reviewer_moves(move, role):
    for state in TABLE[move][0]:
        assert check(move, state, Facts(role=role)) == TABLE[move][1]


@pytest.mark.parametrize("role", ["guest", "", "Editor"])
@pytest.mark.parametrize("move", sorted(TABLE))
def test_a_role_the_module_does_not_know_can_make_no_move(move, role):
    state = next(iter(TABLE[move][0]))
    with pytest.raises(PermissionDeniedError):
        check(move, state, replace(ALL_CLEAR, role=role))


# --- four eyes and the conditions of deciding a verdict ------------------------------------


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_four_eyes_nobody_approves_their_own_verdict_not_even_an_admin(role):
    own = Facts(role=role, evidence=3, pending_verdict=True, verdict_author=7, actor_id=7)
    with pytest.raises(PermissionDeniedError, match="Four eyes"):
        check("approve", "verdict_proposed", own)


def test_four_eyes_another_editor_approves():
    other = Facts(role="editor", evidence=1, pending_verdict=True, verdict_author=7, actor_id=8)
    assert check("approve", "verdict_proposed", other) == "approved"


def test_four_eyes_does_not_stop_the_author_sending_their_own_verdict_back():
    # The README's table puts "not the verdict's author" on approve only.
    own = Facts(role="editor", evidence=0, pending_verdict=True, verdict_author=7, actor_id=7)
    assert check("reject", "verdict_proposed", own) == "in_research"


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_approving_without_evidence_is_a_conflict_about_evidence(role):
    bare = Facts(role=role, evidence=0, pending_verdict=True, verdict_author=1, actor_id=2)
    with pytest.raises(ConflictError, match="evidence"):
        check("approve", "verdict_proposed", bare)


@pytest.mark.parametrize("move", ["approve", "reject"])
def test_deciding_without_a_pending_verdict_is_a_conflict(move):
    nothing = Facts(role="admin", evidence=1, pending_verdict=False, verdict_author=1, actor_id=2)
    with pytest.raises(ConflictError, match="no proposed verdict"):
        check(move, "verdict_proposed", nothing)


# --- allowed() against check() and against the table, on an exhaustive grid --------------

FACT_GRID = [
    dict(evidence=e, pending_verdict=p, verdict_author=a, actor_id=i)
    for e, p, a, i in itertools.product((0, 1), (False, True), (None, 1, 2), (None, 1, 2))
]


def documented(move: str, state: str, facts: Facts) -> bool:
    """Whether the README's rules allow this move now (independent of the module's code)."""
    sources, _, role = TABLE[move]
    if facts.role not in RANK or RANK[facts.role] < RANK[role] or state not in sources:
        return False
    if move in ("approve", "reject") and not facts.pending_verdict:
        return False
    if move == "approve":
        own = facts.actor_id is not None and facts.actor_id == facts.verdict_author
        return not own and facts.evidence > 0
    return True


def accepts(move: str, state: str, facts: Facts) -> bool:
    try:
        check(move, state, facts)
    except (ConflictError, PermissionDeniedError):
        return False
    return True


@pytest.mark.parametrize("role", [*ROLES, "guest"])
@pytest.mark.parametrize("state", STATES)
def test_allowed_lists_exactly_the_moves_check_accepts(state, role):
    for grid in FACT_GRID:
        facts = Facts(role=role, **grid)
        offered = allowed(state, facts)
        assert offered == [m for m in MOVES.values() if accepts(m.name, state, facts)], facts
        assert {m.name for m in offered} == {m for m in TABLE if documented(m, state, facts)}, facts


# --- move_for(): the API's {"to": state} ---------------------------------------------------


@pytest.mark.parametrize(("pair", "name"), sorted(BY_TARGET.items()))
def test_move_for_maps_every_plain_transition(pair, name):
    state, target = pair
    assert move_for(state, target) == name
    assert check(name, state, ALL_CLEAR) == target


def test_move_for_covers_every_move_that_has_no_verdict_call_of_its_own():
    plain = {
        (state, TABLE[m][1]): m
        for m in TABLE
        if m not in ("propose", "approve", "reject")
        for state in TABLE[m][0]
    }
    assert plain == BY_TARGET


@pytest.mark.parametrize("target", ["published", "In research", "", "in-research"])
def test_move_for_refuses_a_state_that_does_not_exist(target):
    # A state that does not exist is invalid input (422), not a conflict with the claim.
    with pytest.raises(ValidationError, match=f"There is no state {re.escape(repr(target))}"):
        move_for("new", target)


def test_move_for_refuses_an_unknown_current_state():
    with pytest.raises(ConflictError, match="cannot go from archived to new"):
        move_for("archived", "new")


@pytest.mark.parametrize("state", STATES)
def test_move_for_points_to_the_verdict_endpoints(state):
    with pytest.raises(ConflictError, match=re.escape("POST /api/claims/<id>/verdicts")):
        move_for(state, "verdict_proposed")
    with pytest.raises(ConflictError, match=re.escape("POST /api/verdicts/<id>/approve")):
        move_for(state, "approved")


@pytest.mark.parametrize(
    ("state", "target"),
    [
        (s, t)
        for s, t in itertools.product(STATES, STATES)
        if (s, t) not in BY_TARGET and t not in ("verdict_proposed", "approved")
    ],
)
def test_move_for_refuses_any_other_pair_naming_both_states_in_words(state, target):
    with pytest.raises(ConflictError) as refused:
        move_for(state, target)
    assert f"from {words(state)} to {words(target)}." in str(refused.value)


# --- the shape of the graph ----------------------------------------------------------------


def reachable(start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        state = queue.popleft()
        for move in MOVES.values():
            if state in move.sources and move.target not in seen:
                seen.add(move.target)
                queue.append(move.target)
    return seen


def test_every_state_is_reachable_from_new():
    assert reachable("new") == set(STATES)


@pytest.mark.parametrize("state", STATES)
def test_no_state_is_a_dead_end(state):
    # Not even "approved" or "dismissed": from every state, every state can be reached again.
    assert any(state in m.sources for m in MOVES.values())
    assert reachable(state) == set(STATES)


def test_an_approved_claim_can_be_reopened_by_an_editor():
    assert [m.name for m in allowed("approved", Facts(role="editor"))] == ["reopen"]
    assert check("reopen", "approved", Facts(role="editor")) == "in_research"
