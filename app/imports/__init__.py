"""Bringing data in from spreadsheets (the framework: app/imports/framework.py; the kinds: app/imports/kinds/)."""
