from app.extensions import db


def test_sign_in_reaches_home(client, login):
    user = login("owner", display_name="王老板")
    page = client.get("/")
    assert page.status_code == 200
    assert "王老板" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is not None
