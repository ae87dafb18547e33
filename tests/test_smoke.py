from tests.conftest import login


def test_login_then_dashboard(app, client, reviewer):
    response = login(client, "rita")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Rita" in page.text
