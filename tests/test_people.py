"""People: invitations by one-time link, pending users, the last owner, and handing customers over."""
import hashlib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth import services as auth
from app.auth.models import User, UserInvitation
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.sales.models import OrderStatus
from app.users import services as people
from tests import factories
from tests.conftest import PASSWORD, csrf_token


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def invite(client, **fields):
    """The owner invites through the form; returns (response, the link's path)."""
    data = {"display_name": "王小明", "role": "sales", "phone": "13800138000", "idempotency_key": "k", **fields}
    response = post(client, "/users/invite", **data)
    match = re.search(r'value="http://localhost(/invite/[^"]+)"', response.get_data(as_text=True))
    return response, match.group(1) if match else None


def accept(client, link, password="new secret 1", confirm=None):
    token = csrf_token(client, link)
    return client.post(link, data={"csrf_token": token, "password": password,
                                   "confirm": password if confirm is None else confirm})


def sign_in(client, username, password):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def other_client(client):
    return client.application.test_client()


# ---- invitations ----------------------------------------------------------------------------------------------------

def test_invite_then_accept_signs_the_employee_in(client, login):
    owner = login("owner")
    response, link = invite(client)
    assert response.status_code == 201 and link
    html = response.get_data(as_text=True)
    assert "<svg" in html and "王小明" in html and "data-copy-link" in html
    user = db.session.scalar(select(User).where(User.display_name == "王小明"))
    assert user.username == "wangxiaoming" and user.pending and user.phone == "13800138000"

    phone = other_client(client)
    page = phone.get(link)
    assert page.status_code == 200 and "王小明" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    done = accept(phone, link)
    assert done.status_code == 302 and done.headers["Location"] == "/welcome"
    welcome = phone.get("/welcome")
    assert welcome.status_code == 200 and "data-install-offer" in welcome.get_data(as_text=True)
    assert phone.get("/").status_code == 200
    db.session.refresh(user)
    assert not user.pending
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "User",
                                                                  AuditEntry.object_id == user.id)).all()
    assert "user.invite" in actions and "user.accept_invitation" in actions
    invited = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.invite"))
    assert invited.user_id == owner.id
    # The new password signs in from another device.
    assert sign_in(other_client(client), "wangxiaoming", "new secret 1").status_code == 302


def test_token_is_stored_hashed_only(client, login):
    login("owner")
    _response, link = invite(client)
    token = link.rsplit("/", 1)[1]
    invitation = db.session.scalar(select(UserInvitation))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    for row in db.session.execute(select(UserInvitation.__table__)).all():
        assert token not in " ".join(str(value) for value in row)
    entries = " ".join(str(e.changes) for e in db.session.scalars(select(AuditEntry)))
    assert token not in entries


def test_pending_user_cannot_sign_in(client, login, app):
    login("owner")
    user, _token = people.invite_user(None, "李四", "warehouse", username="lisi")
    user.password_hash = auth.hash_password(PASSWORD)  # even knowing a password, a pending user stays out
    db.session.commit()
    response = sign_in(other_client(client), "lisi", PASSWORD)
    assert response.status_code == 422


def test_link_works_once(client, login):
    login("owner")
    _response, link = invite(client)
    assert accept(other_client(client), link).status_code == 302
    again = other_client(client).get(link)
    assert again.status_code == 410
    assert 'data-reason="accepted"' in again.get_data(as_text=True)


def test_expired_link_says_so(client, login):
    login("owner")
    _response, link = invite(client)
    invitation = db.session.scalar(select(UserInvitation))
    invitation.expires_at = invitation.expires_at - timedelta(hours=73)
    db.session.commit()
    phone = other_client(client)
    response = phone.get(link)
    assert response.status_code == 410 and 'data-reason="expired"' in response.get_data(as_text=True)
    # Nor can the form be posted any more.
    assert phone.post(link, data={"csrf_token": csrf_token(phone, "/login"), "password": "x" * 10,
                                  "confirm": "x" * 10}).status_code == 410
    assert db.session.scalar(select(User).where(User.username == "wangxiaoming")).pending


def test_reissue_ends_the_previous_link_and_revoke_ends_the_new(client, login):
    login("owner")
    _response, first = invite(client)
    user = db.session.scalar(select(User).where(User.username == "wangxiaoming"))
    second_page = post(client, f"/users/{user.id}/invitation")
    second = re.search(r'value="http://localhost(/invite/[^"]+)"', second_page.get_data(as_text=True)).group(1)
    assert second != first
    phone = other_client(client)
    assert phone.get(first).status_code == 410 and 'data-reason="revoked"' in phone.get(first).get_data(as_text=True)
    assert phone.get(second).status_code == 200
    assert post(client, f"/users/{user.id}/invitation/revoke").status_code == 302
    assert phone.get(second).status_code == 410
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == user.id,
                                                                  AuditEntry.object_type == "User")).all()
    assert {"user.invite", "user.reissue_invitation", "user.revoke_invitation"} <= set(actions)


def test_pending_invitations_are_listed_for_the_owner(client, login):
    login("owner")
    invite(client)
    html = client.get("/users").get_data(as_text=True)
    assert 'id="pending-invitations"' in html and "王小明" in html
    assert "/invitation" in html and "/invitation/revoke" in html


def test_bad_password_is_422_and_the_link_still_works(client, login):
    login("owner")
    _response, link = invite(client)
    phone = other_client(client)
    assert accept(phone, link, "short").status_code == 422
    assert accept(phone, link, "long enough 1", "long enough 2").status_code == 422
    assert phone.get(link).status_code == 200


def test_unknown_tokens_are_throttled(client, login):
    login("owner")
    _response, link = invite(client)
    phone = other_client(client)
    statuses = [phone.get(f"/invite/{'x' * 43}{n}").status_code for n in range(6)]
    assert statuses[0] == 404 and statuses[-1] == 429
    assert phone.get(link).status_code == 429  # even a right guess waits now


def test_invite_errors_are_422_and_nothing_written(client, login):
    login("owner")
    factories.user(username="taken")
    for fields in ({"display_name": ""}, {"phone": "abc"}, {"username": "taken"}, {"role": "boss"}):
        response, _link = invite(client, **fields)
        assert response.status_code == 422, fields
    assert db.session.scalar(select(UserInvitation)) is None


def test_username_is_proposed_from_name_or_phone(app):
    factories.user(username="zhangsan")
    assert people.propose_username("张三") == "zhangsan2"
    assert people.propose_username("", "138-0013-8000") == "13800138000"


def test_create_with_password_still_works(client, login):
    login("owner")
    response = post(client, "/users/new", username="xiaoli", display_name="小李", role="sales",
                    password="longenough", idempotency_key="k2")
    assert response.status_code == 302
    assert sign_in(other_client(client), "xiaoli", "longenough").status_code == 302


def test_deactivated_pending_user_link_stops(client, login):
    login("owner")
    _response, link = invite(client)
    user = db.session.scalar(select(User).where(User.username == "wangxiaoming"))
    assert post(client, f"/users/{user.id}/active", active="0").status_code == 302
    assert other_client(client).get(link).status_code == 410
    assert post(client, f"/users/{user.id}/active", active="1").status_code == 302
    assert other_client(client).get(link).status_code == 410  # reactivating does not revive the old link


@pytest.mark.parametrize("role", ["sales", "warehouse"])
def test_only_the_owner_invites(client, login, role):
    login(role)
    assert client.get("/users/invite").status_code == 403


# ---- the last owner ------------------------------------------------------------------------------------------------

def test_last_owner_cannot_be_demoted_or_deactivated(app):
    owner = factories.user("owner")
    other = factories.user("owner")
    auth.set_active(owner, other, False)
    db.session.commit()
    # `other` is inactive; `owner` is the last active owner. A pending owner does not count.
    people.invite_user(owner, "新老板", "owner", username="newboss")
    with pytest.raises(InvalidState):
        auth.update_user(other, owner, role="sales")
    with pytest.raises(InvalidState):
        auth.set_active(other, owner, False)


def test_demoting_an_owner_while_another_remains(client, login):
    login("owner")
    second = factories.user("owner")
    assert post(client, f"/users/{second.id}", display_name="二老板", role="sales").status_code == 302
    db.session.refresh(second)
    assert second.role == "sales"


def test_deactivation_ends_sessions_and_tokens(client, login):
    login("owner")
    seller, token = factories.user_with_token("sales")
    phone = other_client(client)
    assert sign_in(phone, seller.username, PASSWORD).status_code == 302
    assert post(client, f"/users/{seller.id}/active", active="0").status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# ---- customers from one salesperson to another --------------------------------------------------------------------

def _sales_world():
    old, new = factories.user("sales", display_name="老王"), factories.user("sales", display_name="小张")
    customers = [factories.customer(f"客户{n}", salesperson=old) for n in range(3)]
    return old, new, customers


def test_reassign_all_moves_scope(client, login):
    login("owner")
    old, new, customers = _sales_world()
    product = factories.product()
    order = factories.order(customers[0], [(product, 1)], warehouse=factories.warehouse())
    response = post(client, f"/users/{old.id}/customers", to_user_id=new.id, scope="all")
    assert response.status_code == 302
    new_client, old_client = other_client(client), other_client(client)
    sign_in(new_client, new.username, PASSWORD)
    sign_in(old_client, old.username, PASSWORD)
    for customer in customers:
        assert new_client.get(f"/customers/{customer.id}").status_code == 200
        assert old_client.get(f"/customers/{customer.id}").status_code == 404
    db.session.refresh(order)
    assert order.salesperson_id == new.id and order.status == OrderStatus.DRAFT
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.reassign")).all()
    assert len(entries) == 3 and entries[0].changes["salesperson_id"] == [old.id, new.id]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sales_order.reassign"))


def test_reassign_a_selection(client, login):
    login("owner")
    old, new, customers = _sales_world()
    response = post(client, f"/users/{old.id}/customers", to_user_id=new.id, scope="chosen",
                    customer_ids=[customers[0].id, customers[2].id])
    assert response.status_code == 302
    for customer in customers:
        db.session.refresh(customer)
    assert [c.salesperson_id for c in customers] == [new.id, old.id, new.id]


def test_reassign_refusals_write_nothing(client, login):
    login("owner")
    old, new, customers = _sales_world()
    stranger = factories.customer("别人的客户", salesperson=new)
    warehouse_user = factories.user("warehouse")
    for data in ({"to_user_id": warehouse_user.id, "scope": "all"}, {"to_user_id": old.id, "scope": "all"},
                 {"to_user_id": new.id, "scope": "chosen", "customer_ids": [customers[0].id, stranger.id]},
                 {"to_user_id": new.id, "scope": "chosen"},
                 {"to_user_id": new.id, "scope": "all", "customer_ids": [customers[0].id]}):
        assert post(client, f"/users/{old.id}/customers", **data).status_code == 422, data
    for customer in customers:
        db.session.refresh(customer)
        assert customer.salesperson_id == old.id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customer.reassign")) is None


def test_reassign_service_is_one_transaction(app):
    old, new, customers = _sales_world()
    with pytest.raises(BusinessRuleError):
        people.reassign_customers(None, old, new.id, [customers[0].id, 10**6])
    db.session.rollback()
    assert all(db.session.get(type(c), c.id).salesperson_id == old.id for c in customers)


# ---- users import --------------------------------------------------------------------------------------------------

EN = {"Accept-Language": "en"}


def users_file(rows, headers=("username", "name", "role", "phone")) -> bytes:
    import openpyxl
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload_users(client, data: bytes, filename="users.xlsx"):
    form = {"csrf_token": client.csrf, "file": (io.BytesIO(data), filename)}
    return client.post("/imports/users", data=form, content_type="multipart/form-data", headers=EN)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def confirm_users(client, page: str):
    form = {"csrf_token": client.csrf, "upload": hidden(page, "upload"), "digest": hidden(page, "digest"),
            "idempotency_key": hidden(page, "idempotency_key"), "action": "confirm"}
    return client.post("/imports/users", data=form, headers=EN)


def test_users_import_makes_pending_users_listed_for_invitation(client, login):
    login("owner")
    data = users_file([("xiaoli", "小李", "销售", "13900001111"), ("", "赵六", "Warehouse", ""),
                       ("caiwu", "钱七", "finance", "")])
    preview = upload_users(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert "zhaoliu" in page  # the username made for the row without one
    done = confirm_users(client, page)
    assert done.status_code == 303
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert users["xiaoli"].role == "sales" and users["xiaoli"].phone == "13900001111"
    assert users["zhaoliu"].role == "warehouse" and users["caiwu"].role == "finance"
    assert all(users[name].pending for name in ("xiaoli", "zhaoliu", "caiwu"))
    assert sign_in(other_client(client), "xiaoli", PASSWORD).status_code == 422  # pending: no sign-in
    listing = client.get("/users").get_data(as_text=True)
    assert 'id="pending-invitations"' in listing and "小李" in listing and "赵六" in listing
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.users"))
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.invite")).all()) == 3

    # The owner hands out every link at once; each opens, once.
    sheet = post(client, "/users/invitations")
    links = re.findall(r'value="http://localhost(/invite/[^"]+)"', sheet.get_data(as_text=True))
    assert sheet.status_code == 200 and len(links) == 3
    assert accept(other_client(client), links[0]).status_code == 302


def test_users_import_bad_rows_write_nothing(client, login):
    login("owner")
    factories.user(username="taken", display_name="旧人")
    data = users_file([("ok.user", "好人", "销售", ""), ("bad name!", "坏名字", "销售", ""),
                       ("nobody", "", "销售", ""), ("norole", "没角色", "", ""),
                       ("boss2", "错角色", "老大", ""), ("phone", "错电话", "销售", "abc"),
                       ("ok.user", "重复", "销售", "")])
    preview = upload_users(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 422
    for row in (3, 4, 5, 6, 7, 8):
        assert f"Row {row}" in page, row
    assert db.session.scalar(select(User).where(User.username == "ok.user")) is None
    # Confirming anyway (a forged post) writes nothing either.
    assert confirm_users(client, page).status_code == 422
    assert db.session.scalar(select(User).where(User.username == "ok.user")) is None


def test_users_reimport_updates_by_username_and_never_passwords(client, login):
    owner = login("owner")
    seller = factories.user("sales", username="xiaoli", display_name="小李")
    before = seller.password_hash
    data = users_file([("XiaoLi", "李小龙", "采购", "13700000000"), (owner.username, "老板", "", "")])
    page = upload_users(client, data).get_data(as_text=True)
    assert confirm_users(client, page).status_code == 303
    db.session.refresh(seller)
    assert (seller.display_name, seller.role, seller.phone) == ("李小龙", "purchasing", "13700000000")
    assert seller.password_hash == before and not seller.pending
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert sign_in(other_client(client), "xiaoli", PASSWORD).status_code == 302


def test_users_import_cannot_change_the_importers_own_role(client, login):
    owner = login("owner")
    data = users_file([(owner.username, "老板", "销售", "")])
    page = upload_users(client, data).get_data(as_text=True)
    response = confirm_users(client, page)
    assert response.status_code == 422
    db.session.refresh(owner)
    assert owner.role == "owner"


def test_users_template_has_a_role_dropdown(client, login):
    import openpyxl
    login("owner")
    response = client.get("/imports/users/template")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["用户名", "姓名", "角色", "手机号"]
    assert any("C" in str(v.sqref) for v in sheet.data_validations.dataValidation)


@pytest.mark.parametrize("role", ["sales", "purchasing"])
def test_only_the_owner_imports_users(client, login, role):
    login(role)
    assert client.get("/imports/users").status_code == 403


def test_owner_setting_a_password_ends_the_invitation(client, login):
    login("owner")
    _response, link = invite(client)
    user = db.session.scalar(select(User).where(User.username == "wangxiaoming"))
    assert post(client, f"/users/{user.id}/password", password="chosen by boss").status_code == 302
    assert other_client(client).get(link).status_code == 410
    assert sign_in(other_client(client), "wangxiaoming", "chosen by boss").status_code == 302


def test_api_shows_pending_and_phone(api, app):
    owner = api("owner")
    people.invite_user(owner.user, "李四", "sales", "13800000000", "lisi")
    db.session.commit()
    users = {u["username"]: u for u in owner.get("/users").json["items"]}
    assert users["lisi"]["pending"] is True and users["lisi"]["phone"] == "13800000000"
    assert users[owner.user.username]["pending"] is False


def test_username_proposal_endpoint(client, login):
    login("owner")
    factories.user(username="wangxiaoming")
    response = client.get("/users/invite/username?name=王小明")
    assert response.get_data(as_text=True) == "wangxiaoming2" and response.headers["Cache-Control"] == "no-store"
    assert client.get("/users/invite/username?phone=139 0000 1111").get_data(as_text=True) == "13900001111"


def test_accepting_on_a_signed_in_device_switches_the_user(client, login):
    owner = login("owner")
    _response, link = invite(client)
    page = client.get(link).get_data(as_text=True)
    assert owner.display_name in page  # the warning names who is signed out
    assert accept(client, link).status_code == 302
    assert client.get("/users").status_code == 403  # now the salesperson, not the owner


@pytest.mark.parametrize("token", ["x", "a" * 300, "../users", "%00abc" + "0" * 40])
def test_odd_tokens_are_plain_404s(client, token):
    assert client.get(f"/invite/{token}").status_code == 404


def test_double_tap_on_invite_makes_one_user_and_one_link(client, login):
    login("owner")
    first, _link = invite(client, idempotency_key="same")
    second = post(client, "/users/invite", display_name="王小明", role="sales", idempotency_key="same")
    user = db.session.scalar(select(User).where(User.username == "wangxiaoming"))
    assert first.status_code == 201 and second.status_code == 302
    assert second.headers["Location"] == f"/users/{user.id}"
    assert db.session.scalar(select(func.count()).select_from(UserInvitation)) == 1
    page = client.get(f"/users/{user.id}").get_data(as_text=True)
    assert 'id="invitation"' in page and f"/users/{user.id}/invitation" in page
