from __future__ import annotations
from tests.conftest import csrf_token
from tests import factories
from claims.models import Claim, Article, AuditEvent, User
from playhouse.test_utils import count_queries

TEXT = ("The ministry signed a $1 billion contract for two Ofek 13-class satellites in late 2020.\n\n"
        "It also bought 36 ATMOS artillery systems with 306 mm rockets and a 150 km range, officials said.")

def test_filters(editor_client, reviewer, admin_client, admin):
    art = factories.article(reviewer, TEXT)
    total = AuditEvent.select().count()
    r = editor_client.get(f"/api/audit?entity_id={art.id}&limit=100")
    print("total", total, "entity_id only ->", len(r.json["events"]))
    r = editor_client.get(f"/audit/?entity_id={art.id}")
    print("html entity_id only ->", r.text.count('<li>'))
    # until exclusive in API vs inclusive in HTML
    d = AuditEvent.select().first().at.date().isoformat()
    r1 = editor_client.get(f"/api/audit?since={d}&until={d}&limit=100")
    r2 = editor_client.get(f"/audit/?since={d}&until={d}")
    print("api since=until=today ->", len(r1.json["events"]), "; html ->", r2.text.count('<li>'))
    # no-op user update
    n = AuditEvent.select().count()
    t = csrf_token(admin_client.get(f"/admin/users/{reviewer.id}").text)
    r = admin_client.post(f"/admin/users/{reviewer.id}", data={"display_name": reviewer.display_name, "role": reviewer.role, "active": "y", "csrf_token": t})
    e = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    print("noop user edit", r.status_code, AuditEvent.select().count()-n, e.action, e.before, e.after)
    for p in [f"/admin/users/{10**30}", f"/audit/?entity=article&entity_id=99999999999"]:
        print(p, admin_client.get(p).status_code)
    r = admin_client.post(f"/account/tokens/{10**30}/revoke", data={"csrf_token": t})
    print("revoke huge", r.status_code)

def test_queries(reviewer_client, reviewer, editor_client, app):
    for i in range(3):
        factories.article(reviewer, TEXT + f" Extra {i} tanks.")
    for url in ["/", "/articles/1", "/api/claims?limit=50", "/api/articles/1", "/claims/1"]:
        with count_queries() as cq:
            r = reviewer_client.get(url)
        print(url, r.status_code, cq.count)
    with count_queries() as cq:
        r = editor_client.get("/articles/1")
    print("editor article", cq.count)
