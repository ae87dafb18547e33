"""Issue 8: no line of xss.txt runs anywhere a user can put text (SECURITY.md XSS-01, XSS-08).

Every vector is stored through the services (the code the forms call) in every field a user
fills, packed many to a record so that each page shows dozens at once; then an admin's Chromium
opens every page that shows them and looks for anything that ran or could run: a dialog, the
canary, an on* attribute, a foreign script, an embedded object, a script-scheme URL. Coverage is
counted: each vector must reach each field and be seen on a visited page, or be refused by the
service with a ValidationError (recorded).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from claims import config, documents
from claims.errors import ClaimsError, ValidationError
from claims.models import AuditEvent, Claim, Snapshot
from claims.services import articles, evidence, revisions, sources, users, verdicts
from claims.services import claims as claim_service
from tests import factories
from tests.http_server import LoopbackServer, page
from tests.netguard import NetworkGuard, no_network, payload_lines  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

VECTORS = payload_lines("xss.txt")
ALL = tuple(range(len(VECTORS)))
# The longest value a long field gets here: many records, each page showing a few dozen vectors.
SPREAD = 2_000
PUBLISHER = {
    "PUBLISHER_NAME": "Harbour Fact Desk",
    "PUBLISHER_URL": "https://factdesk.example/",
    "PUBLIC_BASE_URL": "https://factdesk.example/checks",
}
PARAGRAPH = "\n\n"
# Lines the fetched page leaves out (none since the snapshot reader stopped writing into the
# parsed tree: xss.txt line 31's backspaces once made lxml raise).
SNAPSHOT_CRASH: frozenset[int] = frozenset()
# Every field a user can put text in, as this test names them.
FIELDS = {
    "article.text",
    "article.title",
    "article.publisher",
    "article.byline",
    "statement",
    "dismissal reason",
    "source.title",
    "source.publisher",
    "source.author",
    "source.reliability_note",
    "citation.note",
    "evidence.excerpt",
    "evidence.locator",
    "evidence.note",
    "rating.label",
    "rating.description",
    "verdict.rationale",
    "verdict.comment",
    "user.display_name",
    "user.username",
    "token.name",
    "snapshot",
    "revision.text",
}


def wrap_sentence(vector: str) -> str:
    return f"Intro sentence. {vector} The wall cost $48 million."


@dataclass(frozen=True)
class Spec:
    """One field: the service's name for it (ValidationError.field), its packing, its form."""

    service_field: str
    limit: int
    joiner: str = " "
    wrap: Callable[[str], str] = str


@dataclass
class Value:
    """A stored value: its field, its marker, the vectors in it and the pages that show it."""

    field: str
    marker: str
    indices: tuple[int, ...]
    pages: list[str]


@dataclass
class Corpus:
    """What was stored where, what was refused, and which markers a visited page showed."""

    values: list[Value] = field(default_factory=list)
    refused: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    seen: set[str] = field(default_factory=set)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def marker(self) -> str:
        return f"zq{next(self.counter):04d}q"

    def pack(self, spec: Spec, indices: tuple[int, ...] = ALL) -> deque[tuple[int, ...]]:
        """Vectors in groups that fit the field once joined (a longer vector goes alone)."""
        groups: deque[tuple[int, ...]] = deque()
        current: list[int] = []
        length = 7
        for i in indices:
            cost = len(spec.joiner) + len(spec.wrap(VECTORS[i]))
            if current and length + cost > spec.limit:
                groups.append(tuple(current))
                current, length = [], 7
            current.append(i)
            length += cost
        if current:
            groups.append(tuple(current))
        return groups

    def text(self, spec: Spec, marker: str, group: tuple[int, ...]) -> str:
        return spec.joiner.join([marker, *(spec.wrap(VECTORS[i]) for i in group)])

    def add(self, name: str, marker: str, group: tuple[int, ...], pages: list[str]) -> None:
        self.values.append(Value(name, marker, group, pages))

    def fill(
        self,
        specs: dict[str, Spec],
        create: Callable[[dict[str, str]], tuple[Any, list[str]]],
        indices: tuple[int, ...] = ALL,
    ) -> list[Any]:
        """Create records until every vector went into every field of `specs` or was refused:
        a group the service refuses is halved until the single vector it refuses is known."""
        queues = {name: self.pack(spec, indices) for name, spec in specs.items()}
        made = []
        while any(queues.values()):
            groups = {name: q.popleft() for name, q in queues.items() if q}
            while groups:
                markers = {name: self.marker() for name in groups}
                values = {n: self.text(specs[n], markers[n], g) for n, g in groups.items()}
                try:
                    record, pages = create(values)
                except ValidationError as exc:
                    name = next((n for n in groups if specs[n].service_field == exc.field), None)
                    if name is None:
                        raise
                    group = groups.pop(name)
                    if len(group) > 1:
                        queues[name].appendleft(group[len(group) // 2 :])
                        queues[name].appendleft(group[: len(group) // 2])
                    else:
                        self.refused[name][group[0]] = exc.message
                    continue
                for name, group in groups.items():
                    self.add(name, markers[name], group, pages)
                made.append(record)
                break
        return made

    def pages(self) -> list[str]:
        return list(dict.fromkeys(p for v in self.values for p in v.pages))

    def uncovered(self) -> dict[str, list[int]]:
        """Per field, the vectors (1-based line numbers) neither seen on a page nor refused."""
        shown: dict[str, set[int]] = defaultdict(set)
        for value in self.values:
            if value.marker in self.seen:
                shown[value.field].update(value.indices)
        missing = {}
        for name in {v.field for v in self.values} | set(self.refused):
            lost = set(ALL) - shown[name] - set(self.refused.get(name, {}))
            if lost:
                missing[name] = sorted(i + 1 for i in lost)
        return missing


# Everything on a page that ran, or could run or load something, once the page has loaded.
INSPECT = r"""() => {
  const problems = [];
  const bare = (v) => (v || "").replace(
    /[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/g, ""
  ).toLowerCase();
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data",
                         "background", "poster", "lowsrc", "dynsrc", "codebase"];
  const embedded = ["iframe", "frame", "frameset", "object", "embed", "applet", "img", "image",
                    "video", "audio", "source", "track", "base", "math", "portal", "bgsound"];
  const charts = ["provenance-graph", "bar-chart", "progress"];
  const what = (el) => el.outerHTML.slice(0, 160);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName.toLowerCase();
    for (const name of el.getAttributeNames()) {
      const lower = name.toLowerCase();
      const value = el.getAttribute(name);
      if (lower.startsWith("on")) problems.push(`${lower} attribute: ${what(el)}`);
      if (urlAttributes.includes(lower) && /^(javascript|data|vbscript|livescript):/.test(bare(value)))
        problems.push(`${lower}=${value.slice(0, 60)}: ${what(el)}`);
      if (lower === "style" && /javascript:|expression\(|behavior:|-moz-binding/.test(bare(value)))
        problems.push(`style: ${what(el)}`);
      if (lower === "srcdoc") problems.push(`srcdoc: ${what(el)}`);
    }
    if (tag === "script") {
      const src = el.getAttribute("src");
      const url = src === null ? null : new URL(src, location.href);
      const own = url !== null && url.origin === location.origin && url.pathname.startsWith("/static/");
      const jsonld = src === null && el.getAttribute("type") === "application/ld+json"
        && location.pathname.startsWith("/public/");
      if (!own && !jsonld) problems.push(`script: ${what(el)}`);
    }
    if (embedded.includes(tag)) problems.push(`<${tag}>: ${what(el)}`);
    if (tag === "meta" && (el.getAttribute("http-equiv") || "").toLowerCase() === "refresh")
      problems.push(`meta refresh: ${what(el)}`);
    if (tag === "link") {
      const rel = (el.getAttribute("rel") || "").toLowerCase();
      const url = new URL(el.getAttribute("href") || "", location.href);
      if (/stylesheet|import|preload|prefetch/.test(rel)
          && !(url.origin === location.origin && url.pathname.startsWith("/static/")))
        problems.push(`link: ${what(el)}`);
    }
    if (tag === "style" && !el.closest("head")) problems.push(`style element: ${what(el)}`);
    if (tag === "svg" && !el.parentElement.closest("svg")
        && !charts.some((c) => el.classList.contains(c)))
      problems.push(`svg: ${what(el)}`);
    if (el.closest("svg") && ["script", "foreignobject", "animate", "set", "handler",
                              "animatetransform", "animatemotion"].includes(tag))
      problems.push(`<${tag}> in svg: ${what(el)}`);
  }
  return {problems, canary: window.__xss};
}"""

CANARY = """
window.__xss = 0;
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function () { window.__xss += 1; };
}
"""


@pytest.fixture
def guarded(no_network: NetworkGuard, app, live_server, database_url) -> Iterator[LoopbackServer]:
    """A news site on 127.0.0.1 serving every vector, allow-listed for the fetcher; the
    publisher configured so that approved claims are published."""
    if database_url.startswith("postgres"):
        no_network.allow_port(urlsplit(database_url).port or 5432)
    no_network.allow_port(live_server.server.server_port)
    server = LoopbackServer()
    body = "".join(
        f"<p>{vector}</p>\n" for i, vector in enumerate(VECTORS) if i not in SNAPSHOT_CRASH
    )
    server.routes["/all-vectors"] = page(
        (
            "<!doctype html><html><head><meta charset='utf-8'><title>Vectors</title></head>"
            f"<body><main><p>zqsnapq</p>\n{body}</main></body></html>"
        ).encode()
    )
    server.start()
    no_network.allow_port(server.port)
    app.config["FETCH_ALLOWLIST"] = server.netloc
    app.config["FETCH_DEADLINE"] = 5.0
    # One page of each list shows every record made here.
    app.config["PAGE_SIZE"] = 200
    app.config.update(PUBLISHER)
    yield server
    server.stop()


def seed(corpus: Corpus, admin: Any, editor: Any, site: LoopbackServer, app: Any) -> list[str]:
    """Store every vector in every field; returns the pages to open beyond the values' own."""
    me = factories.actor_for(admin)
    boss = factories.actor_for(editor)
    serial = itertools.count(1)

    def article(values: dict[str, str]) -> tuple[Any, list[str]]:
        n = next(serial)
        text = values.get("article.text") or f"Plain article {n}. The wall cost $48 million."
        document = articles.with_metadata(
            documents.read_text(text),
            title=values.get("article.title") or f"Plain article {n}",
            publisher=values.get("article.publisher"),
            byline=values.get("article.byline"),
        )
        created, fresh = articles.import_document(me, document)
        assert fresh
        return created, [f"/articles/{created.id}", f"/public/articles/{created.id}"]

    made_articles = corpus.fill(
        {
            "article.text": Spec("text", 6_000, PARAGRAPH, wrap_sentence),
            "article.title": Spec("title", 500),
            "article.publisher": Spec("publisher", 300),
            "article.byline": Spec("byline", 300),
        },
        article,
    )
    pool = [c for a in made_articles for c in claim_service.article_claims(a.id)]
    researched = pool[:6]
    others = iter(pool[6:])

    def current(claim: Any) -> int:
        return Claim.get_by_id(claim.id).version

    def public(claim: Any) -> list[str]:
        pages = [f"/claims/{claim.id}", f"/articles/{claim.article_id}"]
        return pages + ([f"/public/claims/{claim.id}"] if claim in researched else [])

    statements = iter(researched + pool[6:])

    def statement(values: dict[str, str]) -> tuple[Any, list[str]]:
        claim = next(statements)
        claim_service.update_claim(me, claim.id, current(claim), statement=values["statement"])
        return claim, public(claim)

    corpus.fill({"statement": Spec("statement", 1_500)}, statement)
    for claim in researched:
        claim_service.assign_claim(boss, claim.id, current(claim), admin.id)

    def dismiss(values: dict[str, str]) -> tuple[Any, list[str]]:
        claim = next(others)
        claim_service.dismiss_claim(me, claim.id, current(claim), values["dismissal reason"])
        return claim, [f"/claims/{claim.id}"]

    corpus.fill({"dismissal reason": Spec("reason", SPREAD)}, dismiss)

    def source(values: dict[str, str]) -> tuple[Any, list[str]]:
        n = next(serial)
        created, _, _ = sources.add_source(
            me,
            None,
            sources.SourceFields(
                title=values.get("source.title") or f"Plain source {n}",
                publisher=values.get("source.publisher"),
                author=values.get("source.author"),
            ),
            {},
        )
        return created, [f"/sources/{created.id}", "/sources/"]

    library = corpus.fill(
        {
            "source.title": Spec("title", 500),
            "source.publisher": Spec("publisher", 300),
            "source.author": Spec("author", 300),
        },
        source,
    )
    assert len(library) >= 12
    noted = iter(library)

    def reliability(values: dict[str, str]) -> tuple[Any, list[str]]:
        item = sources.get_source(next(noted).id)
        note = values["source.reliability_note"]
        sources.update_source(
            me, item.id, item.version, sources.SourceFields(reliability=2, reliability_note=note)
        )
        return item, [f"/sources/{item.id}"]

    corpus.fill(
        {"source.reliability_note": Spec("reliability_note", SPREAD, PARAGRAPH)}, reliability
    )
    pairs = iter((a, b) for a in library[:6] for b in library[6:])

    def citation(values: dict[str, str]) -> tuple[Any, list[str]]:
        citing, cited = next(pairs)
        made = sources.add_citation(me, citing.id, cited.id, values["citation.note"])
        return made, [f"/sources/{citing.id}", f"/sources/{cited.id}"]

    corpus.fill({"citation.note": Spec("note", 300)}, citation)
    turn = itertools.count()

    def attach(values: dict[str, str]) -> tuple[Any, list[str]]:
        n = next(turn)
        claim = researched[n % len(researched)]
        item = evidence.add_evidence(
            me,
            claim.id,
            library[n % len(library)].id,
            excerpt=values.get("evidence.excerpt") or f"Plain excerpt {n}",
            stance="supports",
            locator=values.get("evidence.locator"),
            note=values.get("evidence.note"),
        )
        pages = [f"/claims/{claim.id}"]
        if "evidence.excerpt" in values or "evidence.note" in values:
            pages.append(f"/claims/evidence/{item.id}")
        return item, pages

    corpus.fill(
        {
            "evidence.excerpt": Spec("excerpt", SPREAD, PARAGRAPH),
            "evidence.locator": Spec("locator", 300),
            "evidence.note": Spec("note", SPREAD, PARAGRAPH),
        },
        attach,
    )

    def rating(values: dict[str, str]) -> tuple[Any, list[str]]:
        made = verdicts.create_rating(
            me,
            values.get("rating.label") or f"Plain rating {next(serial)}",
            None,
            values.get("rating.description", ""),
        )
        return made, ["/ratings/"] + (
            [f"/ratings/{made.id}"] if "rating.description" in values else []
        )

    scale = corpus.fill(
        {"rating.label": Spec("label", 80), "rating.description": Spec("description", SPREAD)},
        rating,
    )

    # Verdicts: rounds of propose (rationale) and send back (comment), then propose and approve,
    # on each researched claim; the approved rationale is published.
    rationales = corpus.pack(Spec("rationale", SPREAD, PARAGRAPH))
    comments = corpus.pack(Spec("comment", SPREAD, PARAGRAPH))
    for k, claim in enumerate(researched):
        mine_r = list(rationales)[k :: len(researched)]
        mine_c = list(comments)[k :: len(researched)]
        rounds = max(len(mine_r), len(mine_c) + 1)
        for r in range(rounds):
            marker = corpus.marker()
            group = mine_r[r] if r < len(mine_r) else ()
            verdict = verdicts.propose_verdict(
                me,
                claim.id,
                rating_id=scale[(k + r) % len(scale)].id,
                confidence_value=70,
                rationale=corpus.text(Spec("rationale", SPREAD, PARAGRAPH), marker, group),
            )
            last = r == rounds - 1
            corpus.add(
                "verdict.rationale", marker, group, public(claim) if last else public(claim)[:1]
            )
            if last:
                verdicts.approve_verdict(boss, verdict.id)
                continue
            marker = corpus.marker()
            group = mine_c[r] if r < len(mine_c) else ()
            comment = corpus.text(Spec("comment", SPREAD, PARAGRAPH), marker, group)
            verdicts.reject_verdict(boss, verdict.id, comment)
            corpus.add("verdict.comment", marker, group, [f"/claims/{claim.id}"])

    # Accounts: display names (hashing a password 100 times would take 15 s; these accounts
    # never sign in, so they share one hash) and every vector tried as a username.
    people_pages = iter([True, True, True])

    def account(values: dict[str, str], username: str | None = None) -> tuple[Any, list[str]]:
        n = next(serial)
        made = users.create_user(
            factories.SYSTEM,
            username or f"xss{n}",
            factories.PASSWORD,
            "reviewer",
            values["user.display_name"],
        )
        return made, ["/admin/users/"] + (
            [f"/admin/users/{made.id}"] if next(people_pages, None) else []
        )

    corpus.fill({"user.display_name": Spec("display_name", 120)}, account)
    for i, vector in enumerate(VECTORS):
        marker = corpus.marker()
        try:
            account({"user.display_name": marker}, username=vector)
        except (ValidationError, ClaimsError) as exc:
            corpus.refused["user.username"][i] = f"{type(exc).__name__}: {exc.message}"
        else:
            corpus.add("user.username", marker, (i,), ["/admin/users/"])

    def token(values: dict[str, str]) -> tuple[Any, list[str]]:
        made, _ = users.create_token(me, admin, values["token.name"])
        return made, ["/account"]

    corpus.fill({"token.name": Spec("name", 100)}, token)

    # A fetched page holding every vector, and its archived view.
    fetched, _, _ = sources.add_source(
        me, site.url("/all-vectors"), sources.SourceFields(), config.fetch_options(app.config)
    )
    shot = Snapshot.get(Snapshot.source == fetched.id)
    archived = tuple(i for i in ALL if i not in SNAPSHOT_CRASH)
    corpus.add("snapshot", "zqsnapq", archived, [f"/sources/snapshots/{shot.id}"])
    for i in SNAPSHOT_CRASH:
        corpus.refused["snapshot"][i] = "BUG: the snapshot reader raises ValueError"

    # Only an article with a published claim has a public page.
    published = {f"/public/articles/{claim.article_id}" for claim in researched}
    for value in corpus.values:
        value.pages = [
            p
            for p in value.pages
            if not p.startswith("/public/") or p in published or p.startswith("/public/claims/")
        ]

    def revision(values: dict[str, str]) -> tuple[Any, list[str]]:
        n = next(serial)
        created, _ = articles.import_document(
            me, documents.read_text(f"Revised article {n}. The bridge cost $9 million.")
        )
        revisions.paste_revision(me, created.id, values["revision.text"])
        return created, [
            f"/articles/{created.id}",
            f"/articles/{created.id}/revisions/1",
            f"/articles/{created.id}/diff",
        ]

    corpus.fill({"revision.text": Spec("text", 6_000, PARAGRAPH, wrap_sentence)}, revision)
    # Search terms: shown back in the box and in "no result matches".
    searches = [f"/search/?q={quote(VECTORS[i][:200])}" for i in range(0, len(VECTORS), 25)]
    events = []
    for action in (
        "article.import",
        "claim.update",
        "claim.dismiss",
        "source.create",
        "source.update",
        "citation.create",
        "evidence.create",
        "rating.create",
        "verdict.propose",
        "verdict.reject",
        "claim.reject",
        "user.create",
        "token.create",
    ):
        event = AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)
        events += [f"/audit/{e.id}" for e in event.limit(2)]
    return [
        "/",
        "/queue",
        "/ratings/",
        "/admin/users/",
        "/account",
        "/sources/",
        "/audit/",
        *searches,
        *events,
    ]


def test_no_xss_vector_runs_on_any_page(app, live_server, browser, guarded, admin, editor):
    corpus = Corpus()
    fixed = seed(corpus, admin, editor, guarded, app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    context.add_init_script(CANARY)
    tab = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(f"{tab.url}: {d.type} {d.message}"), d.dismiss()))
    tab.on("pageerror", lambda exc: errors.append(f"{tab.url}: {exc}"))
    tab.on(
        "console",
        lambda m: (
            errors.append(f"{tab.url}: {m.text}")
            if m.type == "error" and "favicon.ico" not in m.location.get("url", "")
            else None
        ),
    )
    tab.goto(f"{live_server.url}/login")
    tab.get_by_label("Username").fill(admin.username)
    tab.get_by_label("Password").fill(factories.PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{live_server.url}/")

    expected: dict[str, list[str]] = defaultdict(list)
    for value in corpus.values:
        for path in value.pages:
            expected[path].append(value.marker)
    findings: list[str] = []
    visited = list(dict.fromkeys([*fixed, *corpus.pages()]))
    for path in visited:
        response = tab.goto(live_server.url + path, wait_until="load")
        assert response is not None and response.status == 200, (path, response and response.status)
        report = tab.evaluate(INSPECT)
        findings += [f"{path}: {problem}" for problem in report["problems"]]
        if report["canary"] != 0:
            findings.append(f"{path}: window.__xss = {report['canary']}")
        html = tab.content()
        corpus.seen.update(m for m in expected.get(path, ()) if m in html)
    context.close()

    assert dialogs == []
    assert findings == []
    assert errors == []
    assert outside == [], "the browser asked for something outside the app"
    assert corpus.uncovered() == {}
    fields = {v.field for v in corpus.values} | set(corpus.refused)
    assert fields == FIELDS
    # Only the username policy and short fields refuse vectors; the record says which.
    assert {name for name, refused in corpus.refused.items() if refused} <= {
        "user.username",
        "user.display_name",
        "token.name",
        "rating.label",
        "article.publisher",
        "article.byline",
        "source.publisher",
        "source.author",
        "citation.note",
        "evidence.locator",
        "snapshot",
    }, dict(corpus.refused)
    assert set(corpus.refused["snapshot"]) == SNAPSHOT_CRASH
    print(f"\n{len(visited)} pages, {len(corpus.values)} values, {len(fields)} fields; refused:")
    for name, refused in sorted(corpus.refused.items()):
        print(f"  {name}: {len(refused)} ({sorted(i + 1 for i in refused)[:12]}...)")


# Markdown links with a script scheme, however spelled, never become links (SAN-01, XSS-04).
MARKDOWN = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction") and value is not None:
                self.urls.append(value)


def bare(url: str) -> str:
    return re.sub(r"[\x00-\x20\x7f-\xa0\u2028\u2029\ufeff]", "", url).lower()


def test_markdown_script_links_render_without_a_script_href(app, admin, editor, admin_client):
    me = factories.actor_for(admin)
    item = factories.article(admin)
    claim = claim_service.article_claims(item.id)[0]
    library = factories.source()
    note = PARAGRAPH.join(MARKDOWN)
    added = evidence.add_evidence(
        me, claim.id, library.id, excerpt="An excerpt.", stance="supports", note=note
    )
    rating = verdicts.ratings()[0]
    verdict = verdicts.propose_verdict(
        me, claim.id, rating_id=rating.id, confidence_value=60, rationale=note
    )
    verdicts.reject_verdict(factories.actor_for(editor), verdict.id, note)
    for path in (f"/claims/{claim.id}", f"/claims/evidence/{added.id}"):
        response = admin_client.get(path)
        assert response.status_code == 200
        parser = Links()
        parser.feed(response.text)
        scripted = [u for u in parser.urls if re.match(r"(javascript|data|vbscript):", bare(u))]
        assert scripted == [], path
        assert "alert(1)" in response.text  # shown as text, not dropped silently


def test_a_fetched_page_with_a_backspace_is_archived(app, admin, guarded):
    guarded.routes["/backspace"] = page(
        f"<!doctype html><title>Backspace</title><p>{VECTORS[30]}</p>".encode()
    )
    created, fresh, _ = sources.add_source(
        factories.actor_for(admin),
        guarded.url("/backspace"),
        sources.SourceFields(),
        config.fetch_options(app.config),
    )
    assert fresh
    assert Snapshot.get(Snapshot.source == created.id)
