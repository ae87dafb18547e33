from __future__ import annotations
import re
from tests.conftest import csrf_token
from tests import factories
from claims.models import Claim, Article, Quantity, AuditEvent

TEXT = ("The ministry signed a $1 billion contract for two Ofek 13-class satellites in late 2020.\n\n"
        "It also bought 36 ATMOS artillery systems with 306 mm rockets and a 150 km range, officials said.")

def tok(c, url):
    return csrf_token(c.get(url).text)

def test_probe(reviewer_client, reviewer, editor_client, app):
    c = reviewer_client
    art = factories.article(reviewer, TEXT)
    cl = list(Claim.select().where(Claim.article == art.id).order_by(Claim.start))
    print("claims", [(x.id, x.quote, x.start, x.end) for x in cl])
    cid = cl[0].id
    t = tok(c, f"/claims/{cid}")
    # 1 non-numeric version
    for path, data in [
        (f"/claims/{cid}", {"version": "abc", "statement": "x", "kind": "money"}),
        (f"/claims/{cid}/dismiss", {"version": "abc", "reason": "x"}),
        (f"/claims/{cid}/restore", {"version": "abc"}),
        (f"/claims/{cid}/split", {"version": "abc", "at": "5"}),
        (f"/articles/{art.id}/edit", {"version": "abc", "title": "T"}),
        (f"/claims/{cid}", {"version": "9"*30, "statement": "x", "kind": "money"}),
        (f"/articles/{art.id}/edit", {"version": "9"*30, "title": "T"}),
        (f"/articles/{art.id}/claims/merge", {"claims": ["9"*30, str(cid)]}),
        (f"/articles/{art.id}/claims", {"start": "9"*30, "end": "9"*31, "kind": "money"}),
        (f"/articles/{art.id}/edit", {"version": str(art.version), "title": "T", "published": "2024-02-30"}),
    ]:
        r = c.post(path, data={**data, "csrf_token": t})
        print("POST", path, data.get("version"), "->", r.status_code)
    for path in [f"/claims/{10**30}", f"/articles/{10**30}", f"/api/claims/{10**30}", f"/api/articles/{10**30}",
                 "/api/claims?limit=%C2%B2", "/api/claims?after=%C2%B2", "/api/claims?article=%C2%B2"]:
        r = c.get(path)
        print("GET", path, r.status_code)
    for path in [f"/audit/{10**30}", f"/api/audit/{10**30}", "/audit/?until=9999-12-31", "/audit/?before=%C2%B2",
                 "/api/audit?before=%C2%B2", "/api/audit?until=9999-12-31T23:59:59%2B00:00", "/api/audit?since=0001-01-01T00:00:00%2B01:00",
                 "/audit/?entity_id=5", "/api/audit?entity_id=5"]:
        r = editor_client.get(path)
        print("EDITOR GET", path, r.status_code, r.text[:150] if r.status_code>=400 else "")
