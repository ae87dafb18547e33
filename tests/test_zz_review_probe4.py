from __future__ import annotations
import re
from tests.conftest import csrf_token
from tests import factories
from claims.models import Claim, Article, AuditEvent
from claims.services import articles as svc, claims as csvc

TEXT = ("The ministry signed a $1 billion contract for two Ofek 13-class satellites in late 2020.\n\n"
        "It also bought 36 ATMOS artillery systems with 306 mm rockets and a 150 km range, officials said.")

def test_conflict(reviewer_client, reviewer):
    c = reviewer_client
    art = factories.article(reviewer, TEXT)
    page = c.get(f"/articles/{art.id}/edit").text
    t = csrf_token(page)
    svc.update_metadata(factories.actor_for(reviewer), art.id, art.version, title="Other", url=None, publisher=None, byline=None, published=None)
    r = c.post(f"/articles/{art.id}/edit", data={"version": art.version, "title": "Mine", "csrf_token": t})
    v = re.search(r'name="version" type="hidden" value="([^"]*)"', r.text) or re.search(r'id="version" name="version" type="hidden" value="([^"]*)"', r.text)
    print("409?", r.status_code, "version in re-rendered form:", v and v.group(1), "current:", Article.get_by_id(art.id).version)
    r = c.post(f"/articles/{art.id}/edit", data={"version": v.group(1), "title": "Mine", "csrf_token": t})
    print("resubmit", r.status_code)

def test_split_dismissed(reviewer_client, reviewer):
    c = reviewer_client
    art = factories.article(reviewer, TEXT)
    cl = [x for x in Claim.select().where(Claim.article == art.id) if " " in x.quote][0]
    a = factories.actor_for(reviewer)
    cl = csvc.dismiss_claim(a, cl.id, cl.version, "not worth it")
    t = csrf_token(c.get(f"/claims/{cl.id}").text)
    at = cl.start + cl.quote.index(" ") + 1
    r = c.post(f"/claims/{cl.id}/split", data={"version": cl.version, "at": at, "csrf_token": t})
    new = Claim.select().order_by(Claim.id.desc()).first()
    print("split dismissed", r.status_code, "new claim", new.id, new.quote, new.status, "kept", Claim.get_by_id(cl.id).status)

def test_merge_restore(reviewer_client, reviewer):
    a = factories.actor_for(reviewer)
    art = factories.article(reviewer, TEXT)
    ids = [x.id for x in Claim.select().where(Claim.article == art.id).order_by(Claim.start)][:2]
    m = csvc.merge_claims(a, art.id, ids)
    o = Claim.get_by_id(ids[0])
    csvc.restore_claim(a, o.id, o.version)
    live = [(x.id, x.quote) for x in Claim.select().where((Claim.article == art.id) & (Claim.status != "dismissed")).order_by(Claim.start)]
    print("after restoring a merged original:", live[:3])
