"""Plain functions that make test data with overridable defaults."""
import itertools

from app.auth import services as auth
from app.extensions import db

PASSWORD = "correct horse"
_numbers = itertools.count(1)


def user(role="owner", username=None, password=PASSWORD, **fields):
    made = auth.create_user(None, username or f"{role}{next(_numbers)}", role, password,
                            fields.pop("display_name", ""))
    for name, value in fields.items():
        setattr(made, name, value)
    db.session.commit()
    return made


def user_with_token(role="owner", **fields):
    made = user(role=role, **fields)
    _token, secret = auth.create_token(made, "tests")
    db.session.commit()
    return made, secret
