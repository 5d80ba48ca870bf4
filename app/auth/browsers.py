"""A person's name for a browser from its User-Agent ("Chrome · Android"): enough to tell one's devices apart.

The order matters: WeChat, Edge and Opera say "Chrome" too, and Chrome says "Safari".
"""
import re

from flask_babel import gettext as _

_BROWSERS = (("MicroMessenger", "WeChat"), ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"),
             ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"),
             ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe(user_agent: str) -> str:
    """E.g. "Chrome · Android"; "curl/8.1" as it is; a translated "Unknown browser" for nothing."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser is None and system is None:
        first = re.split(r"[\s(]", agent.strip(), maxsplit=1)[0]
        return first[:40] or _("Unknown browser")
    return " · ".join(part for part in (browser, system) if part)
