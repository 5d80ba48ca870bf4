"""API basics: who am I, and the OpenAPI document."""
from flask import Blueprint, g, jsonify

from app.api.schema import Choice, Integer, Schema, String
from app.api.spec import check_query, document, operation, reply
from app.auth.roles import EVERYONE, Role, allow

bp = Blueprint("api", __name__)

# Query values that break an operation's declared parameters are refused before its view runs (after the
# token is checked: a 401 comes first).
bp.before_request(check_query)

ME = Schema("Me", {"id": Integer(), "username": String(), "role": Choice(Role)})


@bp.route("/me")
@allow(EVERYONE)
@operation("The token's user", response=ME)
def me():
    """The user the bearer token belongs to."""
    return reply(g.user)


@bp.route("/openapi.json")
@allow(EVERYONE)
@operation("This OpenAPI document")
def openapi():
    """The OpenAPI 3.1 document, built from the routes' declared shapes."""
    return jsonify(document())
