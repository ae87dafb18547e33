import os
import pytest
import peewee
from markupsafe import Markup
from tests.test_evidence import *  # noqa
from tests.test_evidence import site  # noqa
from claims import quotes, filters, urls
from claims.services import evidence as ev, sources as src

MUT = os.environ["MUT"]


@pytest.fixture(autouse=True)
def mutate(monkeypatch):
    if MUT == "norm":
        monkeypatch.setattr(quotes, "normalize_for_match", lambda t: t)
    elif MUT == "order":
        monkeypatch.setattr(ev, "STANCES", ("refutes", "supports", "mixed", "context"), raising=False)
        orig = ev.by_stance
        monkeypatch.setattr(ev, "by_stance", lambda items: list(reversed(orig(items))))
    elif MUT == "md":
        from claims import sanitize
        monkeypatch.setattr(sanitize, "render_markdown", lambda t: sanitize._markdown().render(t).replace("&lt;", "<").replace("&gt;", ">"))
        monkeypatch.setattr(filters, "render_markdown", sanitize.render_markdown)
    elif MUT == "recheck":
        monkeypatch.setattr(src, "recheck_quotes", lambda actor, sid: 0)
    elif MUT == "nplus1":
        def lazy(claim_id):
            return list(ev.Evidence.select().where(ev.Evidence.claim == claim_id).order_by(ev.Evidence.id))
        monkeypatch.setattr(ev, "claim_evidence", lazy)
    elif MUT == "urlkey":
        monkeypatch.setattr(src, "normalize_url", lambda u: u)
    elif MUT == "elision":
        monkeypatch.setattr(quotes, "_ELISION", __import__("re").compile(r"\u0000"))
    yield
