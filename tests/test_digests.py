"""Scheduled reports: when they are due, what they say, and that each channel gets each period once.

Email goes to a local aiosmtpd server, WeCom to a local HTTP receiver; the clock is passed in."""
import email
import email.policy
import json
import socket
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.db_types import business_today
from app.digests import schedule, sending, summary
from app.digests.models import DigestDelivery, SmtpSettings, Subscription
from app.extensions import db
from app.lines import QtyInput
from app.notifications.models import Notification
from app.reports import dashboard
from app.reports.periods import Period
from app.sales import fulfilment
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONG_AGO = datetime(2020, 1, 1, tzinfo=SHANGHAI)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def subscribe(user, **fields) -> Subscription:
    """A subscription made long ago (so every slot counts), stored as the model has it: the local receiver's URL
    is not a WeCom address, which the screen would refuse."""
    values = {"frequency": "daily", "weekday": 0, "hour": 8, "email": "", "in_app": True, "wecom_url": "",
              "active": True, "created_at": LONG_AGO, **fields}
    made = Subscription(user_id=user.id, **values)
    db.session.add(made)
    db.session.commit()
    return made


# --- when -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("frequency, weekday, now, expected", [
    ("daily", 0, at(date(2026, 12, 9), 8, 5), Period(date(2026, 12, 8), date(2026, 12, 8))),
    ("daily", 0, at(date(2026, 12, 9), 7, 59), Period(date(2026, 12, 7), date(2026, 12, 7))),  # yesterday's slot
    # Wednesday 9 December: a Monday subscription's latest slot was Monday the 7th; it covers 30 Nov - 6 Dec.
    ("weekly", 0, at(date(2026, 12, 9), 9), Period(date(2026, 11, 30), date(2026, 12, 6))),
    ("weekly", 2, at(date(2026, 12, 9), 8), Period(date(2026, 11, 30), date(2026, 12, 6))),
    ("weekly", 2, at(date(2026, 12, 9), 7), Period(date(2026, 11, 23), date(2026, 11, 29))),  # last Wednesday's
])
def test_the_due_period_is_the_one_the_latest_slot_covers(app, frequency, weekday, now, expected):
    subscription = Subscription(frequency=frequency, weekday=weekday, hour=8, created_at=LONG_AGO)
    assert schedule.due_period(subscription, now) == expected


def test_a_new_subscription_waits_for_its_next_slot(app):
    made = at(date(2026, 12, 9), 10)
    subscription = Subscription(frequency="daily", weekday=0, hour=8, created_at=made)
    assert schedule.due_period(subscription, at(date(2026, 12, 9), 10, 5)) is None  # 8:00 came before it
    assert schedule.due_period(subscription, at(date(2026, 12, 10), 8)) == Period(date(2026, 12, 9), date(2026, 12, 9))
    assert schedule.latest_period(subscription, made) == Period(date(2026, 12, 8), date(2026, 12, 8))  # send now


def test_the_clock_is_read_in_the_business_time_zone(app):
    subscription = Subscription(frequency="daily", weekday=0, hour=8, created_at=LONG_AGO)
    utc = datetime(2026, 12, 9, 0, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Shanghai
    assert schedule.due_period(subscription, utc) == Period(date(2026, 12, 8), date(2026, 12, 8))


# --- what ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def shop(app):
    """A sale today (one slip), an overdue slip, and a product below its minimum stock."""
    owner = factories.user("owner", display_name="老板")
    home = factories.warehouse()
    case = factories.product(name="苹果手机壳", min_stock="20")
    factories.stock(case, home, 10)
    buyer = factories.customer(name="华强电子")
    order = factories.order(buyer, [(case, 2)], actor=owner, warehouse=home, confirm=True)
    fulfilment.deliver(owner, order, [QtyInput(line.id, line.qty) for line in order.lines])
    invoice = fulfilment.invoice_order(owner, order)
    invoice.due_on = business_today() - timedelta(days=3)
    db.session.commit()
    return owner, case, invoice


def test_the_figures_are_the_report_services_own(app, shop):
    owner, case, invoice = shop
    today = business_today()
    period = Period(today, today)
    digest = summary.build(period, today + timedelta(days=1))
    assert digest.sales == dashboard.sales(period) and digest.sales.revenue > 0
    assert digest.slips == 1 and digest.previous_slips == 0
    assert digest.overdue == dashboard.overdue_receivables(today + timedelta(days=1)) and digest.overdue.count == 1
    assert digest.debtors == [summary.Debtor("华强电子", invoice.total)]
    assert digest.low_stock == 1 and digest.short == [summary.Short(case.sku, "苹果手机壳", Decimal("8.000"),
                                                                   Decimal("20.000"))]
    assert digest.backup is None


VERIFIED = {"status": "ok", "verified": True, "size": 2048,
            "finished_at": datetime(2026, 12, 9, 2, 31, tzinfo=SHANGHAI)}


@pytest.mark.parametrize("status, ok, kind", [
    (None, False, "none"),
    ({"state": "ok", "last_run": VERIFIED}, True, "ok"),
    ({"state": "ok", "last_run": {**VERIFIED, "verified": False}}, False, "ok"),
    ({"state": "failed", "last_run": {"status": "failed", "message": "disk full"}}, False, "failed"),
    ({"state": "overdue", "last_run": None}, False, "none"),
    ({"state": "overdue", "last_run": VERIFIED}, False, "overdue"),
    ({"state": "off", "last_run": VERIFIED}, False, "off"),
    ({"state": "no_key", "last_run": None}, False, "no_key"),
])
def test_the_backups_section_worries_unless_the_last_backup_was_verified(status, ok, kind):
    line = summary.backup_line(status)
    assert (line.ok, line.status) == (ok, kind)


def test_the_backups_section_says_what_happened(app, shop):
    from app.digests import render
    failed = summary.backup_line({"state": "failed", "last_run": {"status": "failed", "message": "磁盘已满"}})
    today = business_today()
    digest = summary.build(Period(today, today), today)
    chinese = render.message(digest.__class__(**{**digest.__dict__, "backup": failed}), "daily", "zh_CN")
    assert "备份" in chinese.text and "磁盘已满" in chinese.text and "磁盘已满" in chinese.markdown


# --- how: email, the app, WeCom -------------------------------------------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    db.session.add(SmtpSettings(id=1, host="127.0.0.1", port=controller.port, security="none", username="",
                                password="", sender="reports@example.com"))
    db.session.commit()
    yield inbox
    controller.stop()


class Robot(BaseHTTPRequestHandler):
    answers: list = []
    bodies: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Robot.bodies.append((self.headers["Content-Type"], body))
        answer = json.dumps(Robot.answers.pop(0) if Robot.answers else {"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    Robot.answers, Robot.bodies = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", Robot
    server.shutdown()
    server.server_close()


def tomorrow_morning() -> datetime:
    return at(business_today() + timedelta(days=1), 8, 5)  # the daily summary then covers today, with the sale


def test_the_email_is_utf8_multipart_in_chinese(app, shop, smtp_server):
    owner, _case, _invoice = shop
    subscribe(owner, email="boss@example.com", in_app=False)
    assert sending.send_due(tomorrow_morning()) == 1
    db.session.commit()
    [(to, message)] = smtp_server.messages
    assert to == ["boss@example.com"] and message["From"] == "reports@example.com"
    assert "每日汇总" in message["Subject"] and "=?utf-8?" in message.as_string().split("Subject:")[1][:30].lower()
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part for part in message.iter_parts())
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert text.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    revenue = dashboard.sales(Period(business_today(), business_today())).revenue
    for body in (text.get_content(), html.get_content()):
        assert "销售额" in body and f"{revenue:,.2f}" in body and "华强电子" in body and "苹果手机壳" in body
    assert "<h1" in html.get_content() and "<h1" not in text.get_content()


def test_an_english_subscriber_gets_it_in_english(app, shop, smtp_server):
    owner, _case, _invoice = shop
    finance = factories.user("finance", locale="en")
    subscribe(finance, email="finance@example.com", in_app=False, frequency="weekly",
              weekday=(business_today() + timedelta(days=7)).weekday())
    next_week = at(business_today() + timedelta(days=7), 8, 5)
    assert sending.send_due(next_week) == 1
    [(_to, message)] = smtp_server.messages
    assert "weekly summary" in message["Subject"]
    assert "Revenue" in message.get_body(("plain",)).get_content()


def test_each_channel_gets_each_period_once(app, shop, robot):
    owner, _case, _invoice = shop
    url, receiver = robot
    subscribe(owner, wecom_url=url)
    now = tomorrow_morning()
    assert sending.send_due(now) == 2  # the bell and WeCom
    assert sending.send_due(now + timedelta(minutes=5)) == 0
    db.session.commit()
    assert len(receiver.bodies) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1
    assert sending.send_due(now + timedelta(days=1)) == 2  # the next day's period
    assert len(receiver.bodies) == 2


def test_wecom_gets_a_markdown_message(app, shop, robot):
    owner, _case, _invoice = shop
    url, receiver = robot
    subscribe(owner, wecom_url=url, in_app=False)
    sending.send_due(tomorrow_morning())
    [(content_type, body)] = receiver.bodies
    assert content_type.startswith("application/json")
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    content = body["markdown"]["content"]
    assert content.startswith("**") and "每日汇总" in content and "华强电子" in content and "逾期应收" in content
    assert len(content.encode()) < 4096


def test_a_failing_channel_is_recorded_and_tried_again_on_the_next_run(app, shop, robot):
    owner, _case, _invoice = shop
    url, receiver = robot
    subscription = subscribe(owner, wecom_url=url, email="boss@example.com")  # no SMTP server set up
    receiver.answers = [{"errcode": 93000, "errmsg": "invalid webhook url"}]
    now = tomorrow_morning()
    assert sending.send_due(now) == 1  # the bell only
    db.session.commit()
    rows = {row.channel: row for row in db.session.scalars(select(DigestDelivery))}
    assert rows["app"].ok and not rows["wecom"].ok and not rows["email"].ok
    assert "93000" in rows["wecom"].error and "SMTP" in rows["email"].error
    assert sending.send_due(now + timedelta(minutes=5)) == 1  # WeCom works now; email still fails
    db.session.commit()
    rows = {row.channel: row for row in db.session.scalars(select(DigestDelivery))}
    assert rows["wecom"].ok and rows["wecom"].attempts == 2 and rows["app"].attempts == 1
    assert rows["email"].attempts == 2
    for minute in range(sending.MAX_ATTEMPTS):
        sending.send_due(now + timedelta(minutes=10 + minute))
    db.session.commit()
    assert db.session.get(DigestDelivery, rows["email"].id).attempts == sending.MAX_ATTEMPTS  # then it gives up
    assert subscription.deliveries


def test_nothing_goes_to_inactive_subscriptions_users_or_roles(app, shop):
    owner, _case, _invoice = shop
    subscribe(owner, active=False)
    former = factories.user("finance")
    subscribe(former)
    former.active = False
    moved = factories.user("finance")
    subscribe(moved)
    moved.role = "sales"  # no longer sees margins: the summary stops
    db.session.commit()
    assert sending.send_due(tomorrow_morning()) == 0


def test_the_backups_section_follows_the_backup_status(app, shop, robot, monkeypatch):
    """Where scheduled backups exist (app.backups.status.latest), the summary says how the last one went."""
    owner, _case, _invoice = shop
    url, receiver = robot
    subscribe(owner, wecom_url=url, in_app=False)
    monkeypatch.setattr(sending, "latest_backup", lambda now: {"state": "failed", "last_run": {
        "status": "failed", "message": "校验失败"}})
    sending.send_due(tomorrow_morning())
    content = receiver.bodies[0][1]["markdown"]["content"]
    assert "**备份**" in content and '<font color="warning">最近一次备份失败：校验失败</font>' in content
