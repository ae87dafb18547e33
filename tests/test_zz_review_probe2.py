from __future__ import annotations
import io, json
from tests.conftest import csrf_token
from tests import factories
from claims.models import Claim, Article, Quantity, AuditEvent

TEXT = ("The ministry signed a $1 billion contract for two Ofek 13-class satellites in late 2020.\n\n"
        "It also bought 36 ATMOS artillery systems with 306 mm rockets and a 150 km range, officials said.")

def tok(c, url):
    return csrf_token(c.get(url).text)

def test_split_quantities(reviewer_client, reviewer):
    c = reviewer_client
    art = factories.article(reviewer, TEXT)
    t = tok(c, f"/articles/{art.id}")
    s = TEXT.index("36 ATMOS"); e = TEXT.index(" rockets")
    r = c.post(f"/articles/{art.id}/claims", data={"start": s, "end": e, "kind": "count", "csrf_token": t})
    print("add", r.status_code, r.headers.get("Location"))
    new = Claim.select().order_by(Claim.id.desc()).first()
    print("added quote", new.quote, [q.text for q in new.quantities])
    at = TEXT.index("with 306")
    r = c.post(f"/claims/{new.id}/split", data={"version": new.version, "at": at, "csrf_token": t})
    print("split", r.status_code)
    kept = Claim.get_by_id(new.id)
    rest = Claim.select().order_by(Claim.id.desc()).first()
    print("kept", kept.quote, [q.text for q in kept.quantities])
    print("rest", rest.quote, [q.text for q in rest.quantities])
    print("api kept", c.get(f"/api/claims/{kept.id}").json["quantities"])
    ev = AuditEvent.select().where(AuditEvent.action=="claim.split").first()
    print("split event after", ev.after)

def test_nul(reviewer_client, reviewer):
    c = reviewer_client
    art = factories.article(reviewer, TEXT)
    cl = Claim.select().where(Claim.article==art.id).first()
    t = tok(c, f"/claims/{cl.id}")
    r = c.post(f"/claims/{cl.id}", data={"version": cl.version, "statement": "A\x00B", "kind": "money", "csrf_token": t})
    print("stmt", r.status_code, repr(Claim.get_by_id(cl.id).statement))
    cl = Claim.get_by_id(cl.id)
    r = c.post(f"/claims/{cl.id}/dismiss", data={"version": cl.version, "reason": "no\x00pe", "csrf_token": t})
    print("dismiss", r.status_code, repr(Claim.get_by_id(cl.id).dismissed_reason))
    art = Article.get_by_id(art.id)
    r = c.post(f"/articles/{art.id}/edit", data={"version": art.version, "title": "T\x00x", "publisher": "P\x00", "byline": "B\x00", "csrf_token": t})
    a = Article.get_by_id(art.id)
    print("edit", r.status_code, repr(a.title), repr(a.publisher), repr(a.byline))
    r = c.post("/api/articles", json={"text": "Hello 36 tanks were sold in 2020.", "title": "X\x00Y", "publisher": "\x00"}, headers={"X-CSRFToken": t})
    print("api import", r.status_code, repr(r.json.get("title")), repr(r.json.get("publisher")))
    r = c.post("/articles/new", data={"text": "Another 44 tanks were sold in 2021.", "title": "Z\x00", "byline": "b\x00", "csrf_token": t})
    a = Article.select().order_by(Article.id.desc()).first()
    print("form import", r.status_code, repr(a.title), repr(a.byline))
    r = c.patch(f"/api/claims/{cl.id}", json={"version": Claim.get_by_id(cl.id).version, "statement": "q\x00"}, headers={"X-CSRFToken": t})
    print("api patch", r.status_code, repr(Claim.get_by_id(cl.id).statement))

def test_big(reviewer_client, reviewer, app):
    c = reviewer_client
    t = tok(c, "/articles/new")
    big = "word " * (11*1024*1024//5)
    r = c.post("/articles/new", data={"text": big, "title": "My title", "csrf_token": t})
    print("big", r.status_code, "more than this server" in r.text, "My title" in r.text)
    r = c.post("/articles/new", data={"text": "", "url": "", "title": "Kept title", "publisher": "Kept pub", "csrf_token": t})
    print("empty", r.status_code, "Kept title" in r.text)
    r = c.post("/articles/new", data={"file": (io.BytesIO(b"\xff\xfe\x00\x01binary"), "a.txt"), "title": "Kept title", "csrf_token": t}, content_type="multipart/form-data")
    print("binary", r.status_code, "Kept title" in r.text, "binary" in r.text)
    r = c.post("/articles/new", data={"file": (io.BytesIO("caf\xe9 36 tanks".encode("latin-1")), "a.txt"), "csrf_token": t}, content_type="multipart/form-data")
    print("latin1", r.status_code, "UTF-8" in r.text)
    r = c.post("/articles/new", data={"text": "36 tanks in 2020", "published": "2024-13-45", "title": "Kept title", "csrf_token": t})
    print("bad date", r.status_code, "Kept title" in r.text)
    r = c.post("/articles/new", data={"text": "36 tanks in 2020", "published": "0001-01-01", "csrf_token": t})
    print("year1", r.status_code, r.headers.get("Location"))
    if r.status_code == 302:
        r2 = c.get(r.headers["Location"]); print("show year1", r2.status_code)
        r3 = c.get(r.headers["Location"] + "/edit"); print("edit year1", r3.status_code)
