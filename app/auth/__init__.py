"""Signing in and out, sessions, devices, API tokens, roles and the access check."""
