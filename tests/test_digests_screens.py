"""The scheduled report screens: subscriptions (owner and finance, each their own), the SMTP settings (owner), the
test email; and the bell with its unread count."""
import pytest
from sqlalchemy import select

from app.digests.models import DigestDelivery, SmtpSettings, Subscription
from app.extensions import db
from app.notifications import services as notifications
from tests import factories
from tests.test_digests import smtp_server  # noqa: F401  (the local SMTP server fixture)

ZH = {"Accept-Language": "zh-CN"}
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"


def subscription_form(client, **fields):
    return {"csrf_token": client.csrf, "frequency": "weekly", "weekday": "0", "hour": "9", "email": "",
            "in_app": "y", "wecom_url": "", "active": "y", **fields}


@pytest.mark.parametrize("role", ["owner", "finance"])
def test_a_subscriber_adds_and_changes_a_summary(client, login, role):
    user = login(role)
    page = client.get("/settings/reports", headers=ZH).get_data(as_text=True)
    assert "定时报表" in page and "新增订阅" in page and "还没有设置发信" in page
    response = client.post("/settings/reports", data=subscription_form(client, email="boss@example.com",
                                                                       wecom_url=WECOM))
    assert response.status_code == 303
    [made] = db.session.scalars(select(Subscription)).all()
    assert (made.user_id, made.frequency, made.weekday, made.hour, made.email, made.wecom_url) == (
        user.id, "weekly", 0, 9, "boss@example.com", WECOM)
    listed = client.get("/settings/reports", headers=ZH).get_data(as_text=True)
    assert "每周星期一 09:00" in listed and "boss@example.com" in listed
    changed = client.post(f"/settings/reports?edit={made.id}", data=subscription_form(
        client, frequency="daily", hour="7", email=""))
    assert changed.status_code == 303
    db.session.refresh(made)
    assert (made.frequency, made.hour, made.email) == ("daily", 7, "")


@pytest.mark.parametrize("fields, message", [
    ({"wecom_url": "https://evil.example/hook"}, "请粘贴群机器人的 Webhook 地址"),
    ({"email": "boss@example"}, "请填写一个邮箱地址"),
    ({"email": "", "in_app": "", "wecom_url": ""}, "请至少选择一种接收方式"),
    ({"hour": "24"}, "请选择 0 到 23 点之间的时间"),
])
def test_a_bad_subscription_is_refused_on_the_form(client, login, fields, message):
    login("owner")
    response = client.post("/settings/reports", data=subscription_form(client, **fields), headers=ZH)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalars(select(Subscription)).all() == []


def test_a_subscription_is_its_owners_alone(client, login):
    owner = factories.user("owner")
    theirs = Subscription(user_id=owner.id, frequency="daily", weekday=0, hour=8, email="", in_app=True,
                          wecom_url="", active=True)
    db.session.add(theirs)
    db.session.commit()
    login("finance")
    assert client.get(f"/settings/reports?edit={theirs.id}").status_code == 404
    assert client.post(f"/settings/reports/{theirs.id}/delete", data={"csrf_token": client.csrf}).status_code == 404
    assert client.post(f"/settings/reports/{theirs.id}/send", data={"csrf_token": client.csrf}).status_code == 404
    assert db.session.get(Subscription, theirs.id) is not None


def test_send_now_puts_the_summary_in_the_bell(client, login):
    user = login("finance")
    client.post("/settings/reports", data=subscription_form(client))
    made = db.session.scalars(select(Subscription)).one()
    response = client.post(f"/settings/reports/{made.id}/send", data={"csrf_token": client.csrf},
                           headers=ZH, follow_redirects=True)
    assert "应用内通知：已发送。" in response.get_data(as_text=True)
    assert notifications.unread_count(user) == 1
    bell = client.get("/notifications/bell").get_data(as_text=True)
    assert 'data-unread="1"' in bell and ">1<" in bell
    page = client.get("/notifications", headers=ZH).get_data(as_text=True)
    assert "每周汇总" in page and "销售额" in page and "全部标为已读（1）" in page
    read = client.post("/notifications/read", data={"csrf_token": client.csrf}, headers={"HX-Request": "true"})
    assert read.headers["HX-Trigger"] == "notifications-read"
    assert notifications.unread_count(user) == 0
    assert 'data-unread="0"' in client.get("/notifications/bell").get_data(as_text=True)


def test_one_cannot_mark_anothers_notification_read(client, login):
    other = factories.user("owner")
    theirs = notifications.notify(other, "给老板的")
    db.session.commit()
    login("finance")
    client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": client.csrf})
    assert notifications.unread_count(other) == 1


def test_the_bell_is_on_every_page_and_loads_after_it(client, login):
    login("warehouse")
    page = client.get("/", headers=ZH).get_data(as_text=True)
    assert 'aria-label="通知"' in page and 'data-bell hx-get="/notifications/bell"' in page


def test_the_smtp_password_is_write_only(client, login):
    login("owner")
    form = {"csrf_token": client.csrf, "host": "smtp.exmail.qq.com", "port": "465", "security": "ssl",
            "username": "boss@example.com", "password": "s3cret-pass", "sender": "boss@example.com"}
    assert client.post("/settings/reports/smtp", data=form).status_code == 303
    page = client.get("/settings/reports/smtp", headers=ZH).get_data(as_text=True)
    assert "s3cret-pass" not in page and "已保存密码" in page and "smtp.exmail.qq.com" in page
    assert client.post("/settings/reports/smtp", data={**form, "password": "", "port": "587"}).status_code == 303
    settings = db.session.get(SmtpSettings, 1)
    assert (settings.password, settings.port) == ("s3cret-pass", 587)  # an empty password keeps the stored one
    audit = client.get("/audit", headers=ZH).get_data(as_text=True)
    assert "修改发信服务器设置" in audit and "s3cret-pass" not in audit
    bad = client.post("/settings/reports/smtp", data={**form, "port": "70000"}, headers=ZH)
    assert bad.status_code == 422 and "请填写 1 到 65535 之间的端口" in bad.get_data(as_text=True)


def test_the_test_email_arrives_or_says_why_not(client, login, smtp_server):  # noqa: F811
    login("owner")
    sent = client.post("/settings/reports/smtp/test", data={"csrf_token": client.csrf, "to": "me@example.com"},
                       headers=ZH, follow_redirects=True)
    assert "测试邮件已发送到 me@example.com" in sent.get_data(as_text=True)
    [(to, message)] = smtp_server.messages
    assert to == ["me@example.com"] and message["Subject"] == "进销存测试邮件"
    db.session.get(SmtpSettings, 1).port = 1  # nothing listens there
    db.session.commit()
    failed = client.post("/settings/reports/smtp/test", data={"csrf_token": client.csrf, "to": "me@example.com"},
                         headers=ZH, follow_redirects=True)
    assert "无法通过 127.0.0.1:1 发信" in failed.get_data(as_text=True)


def test_removing_a_subscription_removes_its_results(client, login):
    login("owner")
    client.post("/settings/reports", data=subscription_form(client))
    made = db.session.scalars(select(Subscription)).one()
    db.session.add(DigestDelivery(subscription_id=made.id, period_start=made.created_at.date(), channel="app", ok=True,
                                  attempts=1, error=""))
    db.session.commit()
    response = client.post(f"/settings/reports/{made.id}/delete", data={"csrf_token": client.csrf}, headers=ZH,
                           follow_redirects=True)
    assert "订阅已删除。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Subscription)).all() == []
    assert db.session.scalars(select(DigestDelivery)).all() == []
    assert "删除报表订阅" in client.get("/audit", headers=ZH).get_data(as_text=True)


@pytest.mark.parametrize("role, linked", [("finance", True), ("owner", True), ("sales", False)])
def test_the_account_page_leads_subscribers_to_their_reports(client, login, role, linked):
    """Finance has no settings page: 我的 is where it finds its subscriptions."""
    login(role)
    assert ('href="/settings/reports"' in client.get("/account").get_data(as_text=True)) == linked
