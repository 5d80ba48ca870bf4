"""The wires: an email through the configured SMTP server, a Markdown message to a WeCom group robot.

Each raises DeliveryError with a sentence a shop owner can act on; nothing else escapes.
"""
import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask_babel import gettext as _

from app.digests.models import Security, SmtpSettings

TIMEOUT = 20  # seconds: a summary is not worth holding a worker longer
WECOM_PREFIX = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


class DeliveryError(Exception):
    """A channel could not deliver; str() is the reason in words."""


def email(settings: SmtpSettings, to: str, subject: str, text: str, html: str | None = None) -> None:
    """Send a UTF-8 multipart (text + HTML) message through the SMTP server in `settings`."""
    if not settings.configured:
        raise DeliveryError(_("Email is not set up: the owner enters the SMTP server first."))
    message = EmailMessage()
    message["Subject"] = subject  # encoded as RFC 2047 UTF-8 words when not ASCII
    message["From"] = settings.sender
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    try:
        with _connect(settings) as server:
            if settings.username:
                server.login(settings.username, settings.password)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError(_("The SMTP server refused the user name or password.")) from None
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError(_("The SMTP server refused the address %(to)s.", to=to)) from None
    except smtplib.SMTPSenderRefused:
        raise DeliveryError(_("The SMTP server refused the From address %(sender)s.", sender=settings.sender)) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(_("The SMTP server does not offer STARTTLS: choose another security setting.")) from None
    except ssl.SSLError as error:
        raise DeliveryError(_("No secure connection to the SMTP server (%(error)s): check the port and the "
                              "security setting.", error=error.reason or error)) from None
    except (socket.timeout, TimeoutError):
        raise DeliveryError(_("The SMTP server did not answer within %(seconds)s seconds.", seconds=TIMEOUT)) from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(_("Could not send through %(host)s:%(port)s: %(error)s", host=settings.host,
                              port=settings.port, error=error)) from None


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == Security.SSL:
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT, context=ssl.create_default_context())
    server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    if settings.security == Security.STARTTLS:
        try:
            server.starttls(context=ssl.create_default_context())
        except BaseException:
            server.close()
            raise
    return server


def valid_address(value: str) -> bool:
    """One plain address (no display name, no list): what an SMTP server takes in RCPT TO."""
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError):
        return False
    return bool(address.username and "." in address.domain) and address.addr_spec == value


def wecom(url: str, markdown: str) -> None:
    """Post a Markdown message to a WeCom group robot; its answer says whether it took it (errcode 0)."""
    body = json.dumps({"msgtype": "markdown", "markdown": {"content": markdown}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = json.loads(response.read(65536) or b"{}")
    except urllib.error.HTTPError as error:
        raise DeliveryError(_("The WeCom robot answered HTTP %(status)s.", status=error.code)) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(_("Could not reach the WeCom robot: %(error)s", error=reason)) from None
    except ValueError:
        raise DeliveryError(_("The WeCom robot's answer was not JSON.")) from None
    if answer.get("errcode") != 0:
        raise DeliveryError(_("The WeCom robot refused the message: %(code)s %(message)s",
                              code=answer.get("errcode"), message=answer.get("errmsg", ""))) from None
