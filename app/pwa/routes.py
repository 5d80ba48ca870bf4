"""The installable app's files: manifest, service worker, offline page."""
from flask import current_app, jsonify, send_from_directory, url_for
from flask_babel import gettext as _

from app.auth.roles import public
from app.pwa import bp
from app.web import render

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
    response = jsonify(name=_("JXC Sales & Inventory"), short_name=_("JXC"), lang="zh-CN",
                       start_url=url_for("home.index"), scope="/", display="standalone",
                       background_color="#ffffff", theme_color=THEME_COLOUR, icons=icons)
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, from the root so its scope is the whole app."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
@public
def offline():
    """Shown by the service worker when a page cannot be fetched."""
    return render("pwa/offline.html")
