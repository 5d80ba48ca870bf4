"""Bringing data in from spreadsheets (the framework: app/imports/framework.py; the kinds: app/imports/kinds/)."""
from flask import Blueprint

bp = Blueprint("imports", __name__)

from app.imports import kinds, routes  # noqa: E402,F401
