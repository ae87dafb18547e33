"""Queries whose SQL is written once (claims/db.py): the same rows as peewee's own execution,
for every shape of values, and a plain compile where a value cannot be found in the SQL."""

from __future__ import annotations

import pytest

from claims.db import PreparedSelect
from claims.models import Claim, Evidence, Source
from claims.services import claims, evidence
from tests import factories


def _rows(items: list) -> list:
    return [item.__data__ if hasattr(item, "__data__") else item for item in items]


@pytest.fixture
def claims_and_evidence(app, reviewer):
    article = factories.article(
        reviewer, "The council approved a $48 million flood wall. It opens in 2027."
    )
    found = list(Claim.select().where(Claim.article == article.id).order_by(Claim.id))
    for i, claim in enumerate(found):
        source = factories.source(f"Report {i}")
        evidence.add_evidence(
            factories.actor_for(reviewer),
            claim.id,
            source.id,
            excerpt="$48 million",
            stance="supports",
        )
    return found


BUILDERS = {
    "by id": (lambda i: Claim.select().where(Claim.id == i), lambda c: [c[0].id]),
    "joined": (
        lambda i: Evidence.select(Evidence, Source).join(Source).where(Evidence.claim == i),
        lambda c: [c[-1].id],
    ),
    "in, three": (
        lambda ids: Claim.select().where(Claim.id.in_(ids)),
        lambda c: [[x.id for x in c]],
    ),
    "in, one": (lambda ids: Claim.select().where(Claim.id.in_(ids)), lambda c: [[c[0].id]]),
    "in, none": (lambda ids: Claim.select().where(Claim.id.in_(ids)), lambda c: [[]]),
    "null": (lambda i: Claim.select().where(Claim.assignee == i), lambda c: [None]),
    "tuples and constants": (
        lambda i: (
            Claim.select(Claim.id, Claim.kind)
            .where((Claim.article == i) & (Claim.status != "dismissed"))
            .order_by(Claim.id)
            .limit(5)
            .tuples()
        ),
        lambda c: [c[0].article_id],
    ),
    # Written into the SQL twice, or converted to text: compiled every time, still right.
    "repeated": (
        lambda i: Claim.select().where((Claim.id == i) | (Claim.article == i)),
        lambda c: [c[0].id],
    ),
    "text": (lambda kind: Claim.select().where(Claim.kind == kind), lambda c: ["money"]),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_prepared_select_gives_what_the_query_gives(claims_and_evidence, name):
    build, values_of = BUILDERS[name]
    prepared = PreparedSelect(build)
    for _ in range(2):  # learned the first time, reused the second
        values = values_of(claims_and_evidence)
        assert _rows(prepared(*values)) == _rows(list(build(*values)))


def test_the_same_prepared_select_serves_other_values_and_lengths(claims_and_evidence):
    prepared = PreparedSelect(
        lambda ids: Claim.select().where(Claim.id.in_(ids)).order_by(Claim.id)
    )
    ids = [c.id for c in claims_and_evidence]
    assert [c.id for c in prepared(ids[:1])] == ids[:1]
    assert [c.id for c in prepared(ids)] == ids
    assert [c.id for c in prepared(ids[1:])] == ids[1:]
    assert prepared([10**9]) == []


def test_joined_models_come_back_with_their_columns(claims_and_evidence, reviewer):
    """Each joined model is made from its own columns: whole rows where whole rows are read,
    and only the selected ones where a query reads a few (the claim page's authors)."""
    claim = claims_and_evidence[0]
    items = evidence.claim_evidence(claim.id)
    assert items and items[0].source.title.startswith("Report")
    assert items[0].snapshot is None or items[0].snapshot.sha256
    assert items[0].created_by.display_name == reviewer.display_name
    assert items[0].created_by.password_hash is None  # never read for a page
    assert claims.get_claim(claim.id).article.id == claim.article_id
    assert claims.get_claim(claim.id).article.title


def test_long_lists_are_compiled_rather_than_planned(claims_and_evidence):
    """One plan per list length would grow without end (an article's claims, however many):
    past LIST_PLANNED values a list is compiled each time, and gives the same rows."""
    from claims.db import LIST_PLANNED

    prepared = PreparedSelect(
        lambda ids: Claim.select().where(Claim.id.in_(ids)).order_by(Claim.id)
    )
    ids = [c.id for c in claims_and_evidence]
    padded = ids + [10**9 + n for n in range(LIST_PLANNED)]
    assert [c.id for c in prepared(padded)] == ids
    assert [c.id for c in prepared([*padded, 10**9 - 1])] == ids
    assert prepared._plans == {}
    assert [c.id for c in prepared(ids)] == ids
    assert len(prepared._plans) == 1
    raw = PreparedSelect(lambda ids: Claim.select(Claim.id).where(Claim.id.in_(ids)).tuples())
    assert sorted(row[0] for row in raw.rows(padded)) == ids
    assert raw._plans == {}
