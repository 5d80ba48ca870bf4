"""What the benchmark measures: one Endpoint per line of the results table.

To measure another page or API call, add an Endpoint to ENDPOINTS. `auth` is one of:

  "none"     anonymous request, no cookies;
  "token"    `Authorization: Bearer <token>` for the demo user boss (owner);
  "session"  a signed-in browser session of boss: the session cookies obtained once per
             load-generator connection through the real sign-in form, plus the page's
             `X-CSRFToken` header, so POST endpoints work as htmx would send them.

`body` and `headers` are sent as given (set Content-Type yourself); `expect` is the status that
counts as success, anything else (or a connection error) is counted as an error.
"""
from dataclasses import asdict, dataclass, field

AUTH_KINDS = ("none", "token", "session")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    auth: str = "none"
    body: str | None = None
    headers: dict = field(default_factory=dict)
    expect: int = 200

    def __post_init__(self):
        if self.auth not in AUTH_KINDS:
            raise ValueError(f"{self.name}: auth must be one of {AUTH_KINDS}, not {self.auth!r}")

    def to_dict(self) -> dict:
        return asdict(self)


ENDPOINTS = [
    Endpoint("login-page", "GET", "/login", auth="none"),
    Endpoint("api-me", "GET", "/api/v1/me", auth="token"),
    Endpoint("home", "GET", "/", auth="session"),
]
