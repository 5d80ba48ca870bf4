"""The installable app's files: manifest, service worker, offline page, and a CSRF token for the outbox."""
import json
from pathlib import Path

from flask import Blueprint, current_app, jsonify, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from app.auth.roles import EVERYONE, allow, public
from app.pwa import shell
from app.web import render

bp = Blueprint("pwa", __name__)

THEME_COLOUR = "#1d4ed8"


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest (Chinese name first)."""
    icons = [
        {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
         "type": "image/png", "purpose": "maskable"},
    ]
    # `id` fixes the app's identity, so a later change of start_url does not make it a second app.
    response = jsonify(id=url_for("home.index"), name=_("JXC Sales & Inventory"), short_name=_("JXC"),
                       lang="zh-CN", start_url=url_for("home.index"), scope="/", display="standalone",
                       background_color="#ffffff", theme_color=THEME_COLOUR, icons=icons)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, from the root so its scope is the whole app, stamped with the shell's version."""
    source = Path(current_app.static_folder, "sw.js").read_text(encoding="utf-8")
    source = (source.replace('"__VERSION__"', json.dumps(shell.shell_version()))
              .replace('["__PRECACHE__"]', json.dumps(shell.precache_urls()))
              .replace('["__KEPT__"]', json.dumps(shell.kept_pages())))
    response = current_app.response_class(source, mimetype="text/javascript")
    # Browsers check the worker for changes on navigation; no-cache makes that check reach us every time.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
@public
def offline():
    """Shown by the service worker when a page cannot be fetched."""
    return render("pwa/offline.html")


@bp.route("/pwa/csrf")
@allow(EVERYONE)
def csrf_token():
    """A fresh CSRF token for the outbox: writes kept offline may outlive the token of the page that made them."""
    response = jsonify(token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response
