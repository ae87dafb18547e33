"""Evidence that checks the numbers, and evidence that is not independent: the figure an item
states compared with the claim's (tolerance, unit and currency confusion), and near-duplicate or
co-cited sources counted once in the page's count and the suggested confidence."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from claims.models import Claim, Evidence
from claims.services import evidence, sources, verdicts
from tests import factories
from tests.conftest import csrf_token

TEXT = (
    "Morocco signed a contract with IAI, reportedly valued at around $1 billion, for two "
    "reconnaissance satellites."
)
WIRE = (
    "RABAT — Morocco has signed a contract with Israel Aerospace Industries for the supply of two "
    "Ofek 13-class military reconnaissance satellites, valued at around $1 billion, officials "
    "said. The deal was concluded at the end of 2023, with the contract formalized in mid-2024. "
    "Deals also included the Barak-8 and Barak MX air defense systems, Rafael's Spider, and "
    "Elbit/IAI guided rockets from the EXTRA family. In parallel, Rabat has reportedly bought "
    "36 ATMOS artillery systems and completed tests of 306 mm guided rockets."
)
OTHER = (
    "The defence ministry's annual report lists satellite procurement among its priorities and "
    "gives no figure for any single contract; parliament has not published the budget lines."
)


@pytest.fixture
def deal(reviewer):
    article = factories.article(reviewer, TEXT)
    return Claim.get((Claim.article == article.id) & (Claim.quote.contains("$1 billion")))


def add(reviewer, claim, source, stated=None, stance="supports"):
    return evidence.add_evidence(
        factories.actor_for(reviewer),
        claim.id,
        source.id,
        excerpt="valued at around $1 billion",
        stance=stance,
        stated_value=stated,
    )


def figure_line(client, claim, item) -> str:
    tree = lxml_html.fromstring(client.get(f"/claims/{claim.id}").text)
    (line,) = tree.xpath(f'//li[@id="evidence-{item.id}"]//p[contains(@class, "figure-check")]')
    return " ".join(line.text_content().split())


@pytest.mark.parametrize(
    ("stated", "verdict", "words"),
    [
        ("USD 1.02 billion", "match", "matches"),
        ("$1.2 billion", "mismatch", "20%"),
        ("MAD 1 billion", "unit_mismatch", "currency confusion"),
        ("36 units", "incomparable", ""),
    ],
)
def test_a_stated_figure_is_compared_with_the_claims(
    app, reviewer, reviewer_client, deal, stated, verdict, words
):
    item = add(reviewer, deal, factories.source("Contract summary"), stated)
    stored = Evidence.get_by_id(item.id)
    assert stored.stated_value and stored.stated_number is not None
    line = figure_line(reviewer_client, deal, item)
    assert line.startswith(f"States {stored.stated_value}")
    assert words in line
    checks = evidence.number_checks([stored], list(deal.quantities))
    assert checks[item.id].verdict == verdict


def test_a_figure_that_cannot_be_read_is_refused_with_the_form_kept(
    app, reviewer, reviewer_client, deal
):
    source = factories.source("Contract summary")
    page = reviewer_client.get(f"/claims/{deal.id}").text
    response = reviewer_client.post(
        f"/claims/{deal.id}/evidence",
        data={
            "csrf_token": csrf_token(page),
            "source": f"#{source.id}",
            "excerpt": "valued at around $1 billion",
            "stance": "supports",
            "stated_value": "about a lot",
        },
    )
    assert response.status_code == 422
    tree = lxml_html.fromstring(response.text)
    assert tree.xpath('//input[@name="stated_value"]/@value') == ["about a lot"]
    assert "USD 1.2 billion" in response.text  # how to write it
    assert Evidence.select().count() == 0


def test_the_api_takes_and_returns_the_stated_figure(app, reviewer, reviewer_client, deal):
    source = factories.source("Contract summary")
    token = csrf_token(reviewer_client.get(f"/claims/{deal.id}").text)
    headers = {"X-CSRFToken": token}
    created = reviewer_client.post(
        f"/api/claims/{deal.id}/evidence",
        json={
            "source_id": source.id,
            "excerpt": "valued at around $1 billion",
            "stance": "supports",
            "stated_value": "1e9 USD",
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json["stated"] == {"value": 1e9, "value_high": None, "unit": "USD"}
    cleared = reviewer_client.patch(
        f"/api/evidence/{created.json['id']}",
        json={"version": created.json["version"], "stated_value": ""},
        headers=headers,
    )
    assert cleared.json["stated"] is None and cleared.json["stated_value"] is None
    refused = reviewer_client.patch(
        f"/api/evidence/{created.json['id']}",
        json={"version": cleared.json["version"], "stated_value": "nan"},
        headers=headers,
    )
    assert refused.status_code == 422 and refused.json["error"]["field"] == "stated_value"


def test_wire_copy_and_a_shared_press_release_count_once(app, reviewer, reviewer_client, deal):
    outlets = []
    for n, (name, dateline) in enumerate(
        [("Reuters", "RABAT (Reuters) —"), ("AFP", "RABAT (AFP) —"), ("Blog", "Rabat:")]
    ):
        source = factories.source(f"{name} report", url=f"https://outlet{n}.example/story")
        factories.snapshot(source, f"<p>{WIRE.replace('RABAT —', dateline)}</p>".encode())
        outlets.append(add(reviewer, deal, source))
    page = reviewer_client.get(f"/claims/{deal.id}").text
    assert "3 items, 1 independent source" in " ".join(page.split())
    one = verdicts.support_of([Evidence.get_by_id(outlets[0].id)])
    together = verdicts.evidence_support(deal.id)
    assert together.supporting == pytest.approx(one.supporting)
    assert sum(1 for w in together.items if w.counted_with is not None) == 2

    # A different text from another source is independent.
    report = factories.source("Ministry annual report", url="https://gov.example/report")
    factories.snapshot(report, f"<p>{OTHER}</p>".encode())
    add(reviewer, deal, report, stance="mixed")
    assert "4 items, 2 independent sources" in " ".join(
        reviewer_client.get(f"/claims/{deal.id}").text.split()
    )

    # Two statements that both cite one press release depend on it.
    release = factories.source("IAI press release")
    first, second = factories.source("Minister's statement"), factories.source("Embassy note")
    for citing in (first, second):
        sources.add_citation(factories.actor_for(reviewer), citing.id, release.id)
    add(reviewer, deal, first)
    add(reviewer, deal, second)
    grouped = evidence.independence_of(
        list(Evidence.select().where(Evidence.claim == deal.id).order_by(Evidence.id))
    )
    assert grouped.count == 3


def test_a_remembered_grouping_follows_excerpts_and_citations(reviewer, reviewer_client, deal):
    """A claim's grouping is remembered by what it reads (services/evidence.py): a new note
    leaves it as it was; an edited excerpt, or a citation between the sources, groups anew."""
    actor = factories.actor_for(reviewer)
    one, two = factories.source("Outlet one"), factories.source("Outlet two")
    # Neither source has an archived copy: the items' excerpts are compared.
    evidence.add_evidence(actor, deal.id, one.id, excerpt=WIRE, stance="supports")
    copy = evidence.add_evidence(actor, deal.id, two.id, excerpt=WIRE, stance="supports")

    def counted() -> str:
        return " ".join(reviewer_client.get(f"/claims/{deal.id}").text.split())

    evidence._groupings.clear()
    assert "2 items, 1 independent source" in counted()
    assert len(evidence._groupings) == 1, "the page's grouping is remembered"
    copy = evidence.update_evidence(actor, copy.id, copy.version, note="Checked by phone.")
    assert "2 items, 1 independent source" in counted()
    assert len(evidence._groupings) == 1, "a note changes nothing the grouping reads"
    copy = evidence.update_evidence(actor, copy.id, copy.version, excerpt=OTHER)
    assert "2 items, 2 independent sources" in counted()
    sources.add_citation(actor, two.id, one.id)
    assert "2 items, 1 independent source" in counted()
    assert len(evidence._groupings) == 3
