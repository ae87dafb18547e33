"""The UI shell in a real Chromium: sign in, navigate, sign out; laptop and phone widths."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, live_server, username: str, password: str = factories.PASSWORD) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_reviewer_signs_in_reads_an_article_and_signs_out(app, live_server, page, reviewer):
    factories.article(
        reviewer, "Harbour City approved a $48 million flood wall.\n\nIt is 4.5 km long."
    )
    page.goto(live_server.url)
    assert page.url.startswith(f"{live_server.url}/login")
    screenshot(page, "login")

    sign_in(page, live_server, "rita", "wrong password entirely")
    assert page.get_by_role("alert").inner_text().strip() == "Invalid username or password."
    assert page.get_by_label("Username").input_value() == "rita"

    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # A click returns once the next page's answer arrives, maybe before it is drawn: wait for
    # what it shows (up to 5 s; a page that never shows it fails the test).
    page.get_by_role("heading", name="Dashboard").wait_for(state="visible", timeout=5000)
    assert page.get_by_text("Rita").first.is_visible()
    # A reviewer sees no links to editor or admin pages.
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Audit trail").count() == 0
    assert nav.get_by_role("link", name="Users").count() == 0

    page.get_by_role("link", name="A test article").first.click()
    page.get_by_role("heading", name="A test article").wait_for(state="visible", timeout=5000)
    assert page.get_by_text("It is 4.5 km long.").is_visible()
    screenshot(page, "article")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for(state="visible", timeout=5000)
    page.goto(live_server.url)
    assert "/login" in page.url
    assert page.dialogs == []


def test_admin_creates_an_account_and_the_form_keeps_input_on_error(app, live_server, page, admin):
    sign_in(page, live_server, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_label("Username").fill("new person")
    page.get_by_label("Display name").fill("New Person")
    page.get_by_label("Role").select_option("editor")
    page.get_by_label("Initial password").fill("a good long passphrase")
    page.get_by_role("button", name="Create account").click()
    assert "A username is 2 to 64" in page.locator(".error").first.inner_text()
    assert page.get_by_label("Display name").input_value() == "New Person"
    assert page.get_by_label("Role").input_value() == "editor"
    page.get_by_label("Username").fill("newperson")
    page.get_by_label("Initial password").fill("a good long passphrase")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_text("Account newperson created.").is_visible()
    screenshot(page, "user-edit")


def test_pages_fit_a_phone_and_are_keyboard_usable(browser, app, live_server, reviewer):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/login")
    # The username field has the focus on arrival (the browser runs autofocus in a task of its
    # own, which may come after the load event); the rest is Tab and Enter.
    tab.wait_for_function("document.activeElement?.name === 'username'", timeout=5000)
    assert tab.evaluate("document.activeElement.name") == "username"
    tab.keyboard.type("rita")
    tab.keyboard.press("Tab")
    tab.keyboard.type(factories.PASSWORD)
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"{live_server.url}/")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways on a phone ({width}px)"
    screenshot(tab, "dashboard-phone")
    context.close()


def test_reviewer_imports_the_sample_and_adds_a_claim_by_selecting_words(
    app, live_server, page, reviewer
):
    from claims.models import Article, Claim
    from tests.conftest import SHARED

    sample = (SHARED / "samples" / "israel-morocco-military-work-plan.txt").read_text()
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/articles/new")
    page.get_by_label("Paste the article's text").fill(sample)
    page.get_by_role("button", name="Import and find claims").click()
    assert page.get_by_text("claims to review").is_visible()
    article = Article.get()
    # The figures are highlighted in the text, and each highlight leads to its claim.
    highlight = page.locator("#article-text a.hl", has_text="36 ATMOS artillery systems").first
    assert highlight.is_visible()
    highlight.click()
    assert page.url.endswith("#claim-" + highlight.get_attribute("href").split("-")[-1])
    screenshot(page, "article-page")

    # Select "Benslimane, on the outskirts of Casablanca" with the mouse.
    paragraph = page.locator("#article-text p", has_text="BlueBird")
    words = "Benslimane, on the outskirts of Casablanca"
    page.evaluate(
        """([words]) => {
            const root = document.getElementById('article-text');
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let node; while ((node = walker.nextNode())) {
                const i = node.textContent.indexOf(words.slice(0, 10));
                if (i >= 0) {
                    const range = document.createRange();
                    range.setStart(node, i);
                    let end = node, endOffset = i + words.length;
                    while (endOffset > end.textContent.length) { endOffset -= end.textContent.length; end = walker.nextNode(); }
                    range.setEnd(end, endOffset);
                    const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                    root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                    return;
                }
            }
        }""",
        [words],
    )
    assert paragraph.is_visible()
    assert page.locator("#selection-quote").inner_text() == words
    page.locator("#add-claim").get_by_label("Kind").select_option("place")
    page.get_by_role("button", name="Add claim from selection").click()
    assert page.get_by_text(f"added: “{words}”").is_visible()
    claim = Claim.select().order_by(Claim.id.desc()).first()
    assert (claim.quote, claim.kind) == (words, "place")
    assert article.text[claim.start : claim.end] == words
    screenshot(page, "claim-page")
    assert page.dialogs == []


def test_editor_reads_the_audit_trail_and_a_field_diff(app, live_server, page, reviewer, editor):
    from claims.services import users

    factories.article(reviewer, "The council approved a $48 million flood wall on Tuesday.")
    users.change_role(factories.actor_for(editor), reviewer, "editor")
    sign_in(page, live_server, "eddie")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    assert page.get_by_role("heading", name="Audit trail").is_visible()
    assert page.get_by_text("article.import").first.is_visible()
    page.get_by_label("Action").fill("user.role")
    page.get_by_role("button", name="Filter").click()
    # count() does not wait: on a busy machine it could read the page before the filtered one.
    page.wait_for_url("**action=user.role**")
    events = page.get_by_role("list", name="Events").locator("li")
    assert events.count() == 1
    events.first.locator("summary").click()
    row = events.first.locator("tr", has_text="role")
    assert row.locator("td.old").inner_text() == "reviewer"
    assert row.locator("td.new").inner_text() == "editor"
    screenshot(page, "audit-page")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    screenshot(page, "dashboard")
    assert page.dialogs == []
