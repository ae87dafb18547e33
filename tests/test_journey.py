"""One fact-check from start to finish in a real Chromium, as two people see it: a reviewer
imports the sample article, adds a claim by selecting words, attaches evidence from a web page and
proposes a verdict; an editor approves it; the public page and the ClaimReview export carry it;
the audit trail shows every step. Then the same pages at a phone's width and by keyboard."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests import factories
from tests.browser import screenshot
from tests.conftest import SHARED
from tests.http_server import LoopbackServer, page
from tests.netguard import NetworkGuard, no_network  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

SAMPLE = SHARED / "samples" / "israel-morocco-military-work-plan.txt"
EXCERPT = "Morocco has bought 36 ATMOS artillery systems from Elbit Systems"
# A news site's article page, with the clutter such pages have around the words that matter.
REPORT = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Morocco buys Israeli howitzers | Defence Weekly</title>
<meta property="og:site_name" content="Defence Weekly">
<meta name="author" content="Nadia Benali">
</head><body>
<nav><a href="/">Home</a> <a href="/land">Land</a> <a href="/air">Air</a></nav>
<article>
<h1>Morocco buys Israeli howitzers</h1>
<p class="byline">By Nadia Benali, 12 December 2025</p>
<p>Rabat, 12 December. {EXCERPT}, the ministry of defence confirmed on Friday.</p>
<p>The truck-mounted 155 mm guns replace older French systems.</p>
</article>
<footer>© Defence Weekly</footer>
</body></html>""".encode()
ARTICLE_ADDRESS = "https://english.almayadeen.net/news/politics/israel-morocco-military-work-plan"
REPORT_ADDRESS = "https://defence-weekly.example/2025/12/morocco-atmos"
PUBLISHER = {
    "PUBLISHER_NAME": "Harbour Fact Desk",
    "PUBLISHER_URL": "https://factdesk.example/",
    "PUBLIC_BASE_URL": "https://factdesk.example/checks",
}
PHONE = {"width": 390, "height": 844}
# In the order the journey takes them.
JOURNEY_ACTIONS = (
    "article.import",
    "claim.create",
    "source.create",
    "snapshot.create",
    "evidence.create",
    "verdict.propose",
    "verdict.approve",
    "article.update",
)


def require_sample() -> str:
    if not SAMPLE.exists():
        pytest.skip(f"the sample article {SAMPLE} is missing")
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def site(no_network: NetworkGuard, app, live_server, database_url) -> Iterator[LoopbackServer]:
    """The news site on 127.0.0.1, allow-listed for the fetcher, and the publisher configured.

    The socket guard only sees this process: Chromium is another process, so it reaches the live
    server whatever the guard says; the live server's port is opened for completeness."""
    if database_url.startswith("postgres"):
        no_network.allow_port(urlsplit(database_url).port or 5432)
    no_network.allow_port(live_server.server.server_port)
    server = LoopbackServer()
    server.routes["/2025/12/morocco-atmos"] = page(REPORT)
    server.start()
    no_network.allow_port(server.port)
    app.config["FETCH_ALLOWLIST"] = server.netloc
    app.config["FETCH_DEADLINE"] = 5.0
    app.config.update(PUBLISHER)
    yield server
    server.stop()


class Person:
    """One browser context: a person's own cookies, tab, and the script errors they hit."""

    def __init__(self, browser: Any, live_server: Any, viewport: dict[str, int] | None = None):
        self.base = live_server.url
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.tab = self.context.new_page()
        self.errors: list[str] = []
        self.tab.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.tab.on("console", self._console)
        self.tab.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))

    def _console(self, message: Any) -> None:
        # Chromium asks every site for /favicon.ico; the app has none, which is harmless.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.errors.append(message.text)

    def go(self, path: str) -> Any:
        self.tab.goto(self.base + path)
        return self.tab

    def sign_in(self, username: str) -> None:
        tab = self.go("/login")
        tab.get_by_label("Username").fill(username)
        tab.get_by_label("Password").fill(factories.PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        # The click returns once the dashboard's answer arrives, maybe before it is drawn: wait
        # for its heading (up to 5 s; a sign-in that fails never shows it and times out).
        tab.get_by_role("heading", name="Dashboard").wait_for(state="visible", timeout=5000)

    def flash(self) -> str:
        return self.tab.locator(".flashes").inner_text().strip()


@pytest.fixture
def people(browser, live_server) -> Iterator[Callable[..., Person]]:
    """Make a Person per call; their browser contexts close after the test."""
    made: list[Person] = []

    def make(viewport: dict[str, int] | None = None) -> Person:
        made.append(Person(browser, live_server, viewport))
        return made[-1]

    yield make
    for person in made:
        person.context.close()


def select_with_mouse(tab: Any, words: str) -> None:
    """Drag the mouse from the first to the last character of `words` in the article text."""
    box = tab.evaluate(
        """(words) => {
            const root = document.getElementById('article-text');
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let node; (node = walker.nextNode()); ) {
                const i = node.textContent.indexOf(words);
                if (i < 0) continue;
                node.parentElement.scrollIntoView({block: 'center'});
                const rect = (a, b) => {
                    const r = document.createRange(); r.setStart(node, a); r.setEnd(node, b);
                    return r.getBoundingClientRect();
                };
                const first = rect(i, i + 1), last = rect(i + words.length - 1, i + words.length);
                return {x0: first.left + 1, y0: first.top + first.height / 2,
                        x1: last.right - 1, y1: last.top + last.height / 2};
            }
            return null;
        }""",
        words,
    )
    assert box, f"{words!r} is not in one run of the article text"
    tab.mouse.move(box["x0"], box["y0"])
    tab.mouse.down()
    tab.mouse.move(box["x1"], box["y1"], steps=8)
    tab.mouse.up()


def test_a_claim_goes_from_import_to_published_claimreview(
    app, live_server, site, people, reviewer, editor
):
    sample = require_sample()
    rita, eddie, anyone = people(), people(), people()

    # 1. Both sign in through the login form, each in their own browser context.
    rita.sign_in("rita")
    eddie.sign_in("eddie")

    # 2. Rita pastes the sample; the article page highlights the figures it found.
    tab = rita.go("/articles/new")
    tab.get_by_label("Paste the article's text").fill(sample)
    tab.get_by_role("button", name="Import and find claims").click()
    assert rita.flash().startswith("Imported, with ")
    assert rita.flash().endswith(" claims to review.")
    assert tab.get_by_role("heading", name="'Israel', Morocco Sign Joint Military").is_visible()
    text = tab.locator("#article-text")
    for figure in ("36 ATMOS artillery systems", "$1 billion", "306 mm", "150 km"):
        assert text.locator("a.hl", has_text=figure).first.is_visible(), figure
    article_url = tab.url
    screenshot(tab, "journey-article")

    # 3. She selects words no claim covers yet, and adds them as a claim.
    words = "longstanding French defense partners"
    assert text.locator("a.hl", has_text=words).count() == 0
    select_with_mouse(tab, words)
    add = tab.locator("#add-claim")
    add.wait_for(state="visible")
    assert tab.locator("#selection-quote").inner_text() == words
    add.get_by_label("Kind").select_option("entity")
    add.get_by_role("button", name="Add claim from selection").click()
    flash = rita.flash()
    assert flash.startswith("Claim #") and flash.endswith(f" added: “{words}”."), flash
    selected_id = int(flash.removeprefix("Claim #").split(" ", 1)[0])
    assert tab.locator("blockquote.in-context mark").inner_text() == words
    tab.goto(article_url)
    assert text.locator("a.hl", has_text=words).is_visible()

    # 4. On the "36 ATMOS" claim she pastes a news page's address as evidence that supports it.
    tab.locator("ol.claims a.quote", has_text="36 ATMOS artillery systems").click()
    assert tab.locator("blockquote.in-context mark").inner_text() == "36 ATMOS artillery systems"
    claim_url = tab.url
    claim_id = int(claim_url.rstrip("/").rsplit("/", 1)[1])
    evidence = tab.locator("#evidence")
    assert evidence.get_by_text("No evidence yet.").is_visible()
    evidence.get_by_text("Attach evidence").click()
    form = evidence.locator("form")
    form.get_by_label("Source", exact=True).fill(site.url("/2025/12/morocco-atmos"))
    form.get_by_label("Excerpt").fill(EXCERPT)
    form.get_by_label("Stance").select_option(label="Supports")
    form.get_by_role("button", name="Attach").click()
    assert rita.flash() == (
        "Evidence from “Morocco buys Israeli howitzers” attached; "
        "its excerpt is verified in the archived copy."
    )
    assert evidence.locator("h3.stance-heading").inner_text().startswith("Supports")
    item = evidence.locator("li.evidence.stance-supports")
    assert item.locator("blockquote").inner_text() == EXCERPT
    assert "verified in snapshot of" in item.locator(".quote-state.verified").inner_text()
    assert item.get_by_role("link", name="Morocco buys Israeli howitzers").is_visible()
    assert site.paths() == ["/2025/12/morocco-atmos"]

    # 5. She proposes a verdict; the suggestion panel weighed her evidence first.
    verdict = tab.locator("#verdict")
    panel = verdict.locator("aside.suggestion")
    assert panel.get_by_role("heading", name="What the evidence suggests").is_visible()
    # One verified excerpt from an unrated source: w = 3/5, p = (0.6 + 1) / (0.6 + 2) = 62%.
    assert panel.get_by_text("Support 62%").is_visible()
    assert panel.get_by_role("row", name="Mostly true 62").is_visible()
    weights = panel.locator("ul.weights").inner_text()
    assert "supports · weight 0.60 · Morocco buys Israeli howitzers" in weights
    verdict.get_by_label("Rating").select_option(label="Mostly true")
    verdict.get_by_label("Confidence (0-100)").fill("80")
    verdict.get_by_label("Rationale").fill(
        "A defence news site reports the purchase of **36 ATMOS** systems."
    )
    verdict.get_by_role("button", name="Propose verdict").click()
    assert rita.flash() == "Verdict proposed: Mostly true, confidence 80. An editor decides next."
    pending = verdict.locator(".pending-verdict")
    assert pending.get_by_text("Waiting for an editor:").is_visible()
    assert pending.locator(".rating-badge").inner_text() == "Mostly true"
    assert "confidence 80" in pending.inner_text()
    assert "(suggested 62)" in pending.inner_text()
    assert pending.locator(".rationale strong").inner_text() == "36 ATMOS"
    assert tab.locator("h1 .badge").inner_text() == "verdict proposed"
    # Rita cannot approve her own verdict: she sees no approve button.
    assert tab.get_by_role("button", name="Approve and publish").count() == 0
    screenshot(tab, "journey-claim-proposed")

    # 6. Eddie sees it waiting on his dashboard, opens it and approves it.
    board = eddie.go("/")
    waiting = board.get_by_role("region", name="Verdicts waiting for approval")
    assert "36 ATMOS artillery systems" in waiting.inner_text()
    screenshot(board, "journey-dashboard")
    waiting.get_by_role("link", name="36 ATMOS artillery systems").click()
    board.get_by_role("button", name="Approve and publish").click()
    assert eddie.flash() == "Approved: Mostly true is now the claim's current verdict."
    assert board.locator("h1 .badge").inner_text() == "approved"
    assert board.locator("ol.steps [aria-current=step]").inner_text() == "Approved (published)"
    current = board.locator(".current-verdict")
    assert current.locator(".rating-badge").inner_text() == "Mostly true"
    assert "approved by Eddie" in current.inner_text()
    assert board.locator(".pending-verdict").count() == 0
    # A pasted article has no address, and a ClaimReview must say where the claim appeared: the
    # page says so instead of publishing a broken one. Eddie adds the address the sample came from.
    problem = current.get_by_role("alert")
    assert "cannot be published as a ClaimReview" in problem.inner_text()
    assert "itemReviewed.firstAppearance needs the address" in problem.inner_text()
    board.locator(".crumbs a").click()
    board.get_by_role("link", name="Edit title and details").click()
    board.get_by_label("Address").fill(ARTICLE_ADDRESS)
    board.get_by_role("button", name="Save").click()
    assert eddie.flash() == "Saved."
    assert board.get_by_role("link", name=ARTICLE_ADDRESS).is_visible()
    board.goto(claim_url)
    assert current.get_by_role("alert").count() == 0
    assert current.get_by_role("link", name="public page").is_visible()
    assert current.get_by_role("link", name="ClaimReview").is_visible()
    screenshot(board, "journey-claim")

    # 7. Anyone can read the public page; it embeds the ClaimReview, and the CLI exports it.
    public = anyone.go(f"/public/claims/{claim_id}")
    assert public.locator(".rating-badge").inner_text() == "Mostly true"
    assert public.get_by_text("Fact-check by Harbour Fact Desk").is_visible()
    review = json.loads(public.locator('script[type="application/ld+json"]').text_content())
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Mostly true"
    assert review["url"] == f"https://factdesk.example/checks/claims/{claim_id}"
    screenshot(public, "journey-public-claim")
    result = app.test_cli_runner().invoke(args=["export", "claimreview"])
    assert result.exit_code == 0, result.output
    feed = json.loads(result.stdout)
    exported = [r for r in feed["dataFeedElement"] if r["url"] == review["url"]]
    assert [r["reviewRating"]["alternateName"] for r in exported] == ["Mostly true"]
    assert "1 ClaimReview(s) exported, 0 skipped." in result.stderr

    # 8. Eddie's audit trail shows every step, each by the person who took it.
    audit = eddie.go("/audit")
    assert audit.get_by_role("heading", name="Audit trail").is_visible()
    screenshot(audit, "journey-audit")
    # Newest first, on one page: the journey's steps read bottom to top in the order taken.
    shown = audit.get_by_role("list", name="Events").locator("li > p strong:first-of-type")
    taken = [a for a in reversed(shown.all_inner_texts()) if a in JOURNEY_ACTIONS]
    firsts = [a for n, a in enumerate(taken) if a not in taken[:n]]
    assert firsts == list(JOURNEY_ACTIONS), taken
    for action in JOURNEY_ACTIONS:
        audit.get_by_label("Action").fill(action)
        audit.get_by_role("button", name="Filter").click()
        lines = audit.get_by_role("list", name="Events").locator("li > p").all_inner_texts()
        assert lines, f"no {action} event on the audit page"
        assert all(f" {action} on " in line for line in lines), lines
        who = "eddie" if action in ("verdict.approve", "article.update") else "rita"
        assert any(f"by {who}," in line for line in lines), (action, lines)
    # The claim made from the selection has one event: its creation, by Rita.
    audit.get_by_label("Action").fill("")
    audit.get_by_label("Record type").select_option("claim")
    audit.get_by_label("Record id").fill(str(selected_id))
    audit.get_by_role("button", name="Filter").click()
    events = audit.get_by_role("list", name="Events").locator("li > p")
    assert events.count() == 1
    assert f"claim.create on claim {selected_id} by rita" in events.first.inner_text()

    assert rita.errors == [] and eddie.errors == [] and anyone.errors == []


def test_pages_fit_a_phone_and_forms_are_reached_by_keyboard(app, live_server, people, reviewer):
    from claims.models import Claim
    from claims.services import evidence

    sample = require_sample()
    article = factories.article(reviewer, sample)
    claim = Claim.get(Claim.article == article, Claim.quote == "36 ATMOS artillery systems")
    # Evidence from an archived page, so the claim page has its list and provenance graph.
    report = factories.source("Morocco buys Israeli howitzers", url=REPORT_ADDRESS)
    factories.snapshot(report, REPORT)
    evidence.add_evidence(
        factories.actor_for(reviewer), claim.id, report.id, excerpt=EXCERPT, stance="supports"
    )
    rita = people(PHONE)
    rita.sign_in("rita")
    for name, path in (
        ("dashboard", "/"),
        ("article", f"/articles/{article.id}"),
        ("claim", f"/claims/{claim.id}"),
        ("sources", "/sources"),
    ):
        tab = rita.go(path)
        width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"the {name} page scrolls sideways on a phone: {width}"
        screenshot(tab, f"journey-{name}-phone")

    # Keyboard only: from the top of the claim page, Tab to the evidence form's Source field
    # (opening "Attach evidence" with Enter on the way) and on to the verdict's Rating select.
    tab = rita.go(f"/claims/{claim.id}")
    evidence_source = tab.locator("#evidence form [name=source]")
    rating = tab.locator("#verdict form [name=rating]")

    def tab_to(target: Any, open_summary: str | None = None, limit: int = 120) -> None:
        for _ in range(limit):
            tab.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                return
            on = tab.evaluate("[document.activeElement.tagName, document.activeElement.innerText]")
            if open_summary and on == ["SUMMARY", open_summary]:
                tab.keyboard.press("Enter")
        raise AssertionError(f"Tab never reached {target}")

    # Each stop is named by its visible label, for a screen reader as for the eye.
    tab_to(evidence_source, open_summary="Attach evidence")
    assert tab.get_by_label("Source", exact=True).evaluate("el => el === document.activeElement")
    assert tab.locator("#evidence label", has_text="Source").first.is_visible()
    tab_to(rating)
    assert tab.get_by_label("Rating", exact=True).evaluate("el => el === document.activeElement")
    assert tab.locator("#verdict label", has_text="Rating").is_visible()
    assert rating.aria_snapshot().splitlines()[0] == '- combobox "Rating":'
    outline = rating.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused Rating select shows no focus outline"
    assert rita.errors == []


def test_tables_keep_their_column_names_on_a_phone(app, live_server, people, reviewer):
    from claims.models import Claim

    article = factories.article(reviewer, require_sample())
    claim = Claim.get(Claim.article == article, Claim.quote == "36 ATMOS artillery systems")
    rita = people(PHONE)
    rita.sign_in("rita")
    tab = rita.go(f"/claims/{claim.id}")
    figures = tab.locator("table", has=tab.locator("th", has_text="Approximate"))
    assert figures.get_by_role("cell", name="no", exact=True).is_visible()
    assert figures.get_by_role("columnheader", name="Approximate").is_visible()


def test_each_source_picker_on_the_claim_page_has_its_own_label(app, live_server, people, reviewer):
    from claims.models import Claim

    factories.article(reviewer, "The council approved a $48 million flood wall.")
    claim = Claim.get()
    rita = people()
    rita.sign_in("rita")
    tab = rita.go(f"/claims/{claim.id}")
    tab.locator("#evidence summary", has_text="Attach evidence").click()
    evidence_source = tab.locator("#evidence form [name=source]")
    attributed = tab.locator("#provenance form [name=source]")
    tab.locator("#provenance label", has_text="Attributed to").click()
    assert attributed.evaluate("el => el === document.activeElement")
    assert attributed.aria_snapshot() == '- combobox "Attributed to"'
    assert evidence_source.aria_snapshot() == '- combobox "Source"'
