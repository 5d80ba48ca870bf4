"""The sign-in between the password and the code: who passed the password, kept for a few minutes in the signed
session cookie. Nobody is signed in yet (no session row, no login) until the code passes (auth.routes.verify)."""
import time

from flask import session

from app.auth.models import User
from app.extensions import db

KEY = "second_step"
TTL = 300  # seconds to type the code before the password is asked again


def start(user: User, remember: bool, next_url: str | None) -> None:
    session[KEY] = {"u": user.id, "v": user.session_version, "r": bool(remember), "n": next_url or "",
                    "at": int(time.time())}


def pending() -> tuple[User, dict] | None:
    """The user waiting to give their code and what they asked for (remember, next), or None when there is none,
    it is older than TTL, or the user changed since (deactivated, signed out everywhere, 2FA turned off)."""
    state = session.get(KEY)
    if not isinstance(state, dict) or not isinstance(state.get("u"), int) or not isinstance(state.get("at"), int):
        return None
    if not 0 <= time.time() - state["at"] <= TTL:
        return None
    user = db.session.get(User, state["u"])
    if user is None or not user.active or user.pending or user.totp_enabled_at is None \
            or user.session_version != state.get("v"):
        return None
    return user, state


def clear() -> None:
    session.pop(KEY, None)
