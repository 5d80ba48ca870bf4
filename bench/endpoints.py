"""What the benchmark measures: one Endpoint per line of the results table.

To measure another page or API call, add an Endpoint to ENDPOINTS. `auth` is one of:

  "none"     anonymous request, no cookies;
  "token"    `Authorization: Bearer <token>` for the demo user boss (owner);
  "session"  a signed-in browser session of boss: the session cookies obtained once per
             load-generator connection through the real sign-in form, plus the page's
             `X-CSRFToken` header, so POST endpoints work as htmx would send them.

`body` and `headers` are sent as given (set Content-Type yourself); `expect` is the status that
counts as success, anything else (or a connection error) is counted as an error.

An endpoint can rotate over several requests instead of repeating one (each connection starts at
a different place in the rotation):

  paths=(...)       a fixed list of paths, e.g. search strings; the results also break the figures
                    down per path;
  samples="name"    one request per item of a sample list bench/seed.py wrote from the seeded
                    data ("barcodes": $barcode $product_id; "products": $product_id
                    $warehouse_id; "warehouses": $warehouse_id); `path` and `body` are
                    string.Template texts filled from each item (URL-quoted in the path).
"""
from dataclasses import asdict, dataclass, field
from string import Template
from urllib.parse import quote, unquote, urlencode

AUTH_KINDS = ("none", "token", "session")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str = ""
    auth: str = "none"
    body: str | None = None
    headers: dict = field(default_factory=dict)
    expect: int = 200
    paths: tuple[str, ...] = ()
    samples: str | None = None

    def __post_init__(self):
        if self.auth not in AUTH_KINDS:
            raise ValueError(f"{self.name}: auth must be one of {AUTH_KINDS}, not {self.auth!r}")
        if bool(self.path) == bool(self.paths):
            raise ValueError(f"{self.name}: give either path or paths")
        if self.samples and not self.path:
            raise ValueError(f"{self.name}: samples fill in a path template; give path, not paths")

    @property
    def label(self) -> str:
        """The path as shown in progress lines: the template, or the first of the rotation."""
        if self.paths:
            more = f" (+{len(self.paths) - 1} more)" if len(self.paths) > 1 else ""
            return unquote(self.paths[0]) + more
        return self.path + (f" (over {self.samples})" if self.samples else "")

    def variants(self, samples: dict) -> list[dict]:
        """The requests this endpoint rotates over: [{"path", "body", "label"}], at least one."""
        if self.samples:
            items = samples.get(self.samples)
            if not items:
                raise ValueError(f"{self.name}: the seeded data has no sample list {self.samples!r}")
            body = Template(self.body) if self.body is not None else None
            return [{"path": Template(self.path).substitute({k: quote(str(v), safe="") for k, v in item.items()}),
                     "body": body.substitute(item) if body else None, "label": None}
                    for item in items]
        return [{"path": path, "body": self.body, "label": unquote(path) if len(self.paths) > 1 else None}
                for path in (self.paths or (self.path,))]

    def to_dict(self) -> dict:
        return asdict(self)


def search(text: str) -> str:
    """The API's search as you type, for `text` as a user would type it."""
    return "/api/v1/products?" + urlencode({"q": text}, quote_via=quote)


# What people type into the product search: full pinyin, initials (苹果手机壳 -> pgsjk), two Chinese
# words, the start of a barcode, an item name, a two-letter prefix still being typed, a phone model,
# and something the catalogue does not have (every row is looked at and nothing comes back).
SEARCHES = ("pingguo", "pgsjk", "华为 充电", "6901", "数据线", "sj", "iphone 15", "qianbao")

ADJUSTMENT = ('{"warehouse_id": $warehouse_id, "reason": "bench", '
              '"lines": [{"product_id": $product_id, "qty": "1"}]}')

ENDPOINTS = [
    Endpoint("login-page", "GET", "/login", auth="none"),
    Endpoint("api-me", "GET", "/api/v1/me", auth="token"),
    Endpoint("home", "GET", "/", auth="session"),
    Endpoint("api-search", "GET", paths=tuple(search(text) for text in SEARCHES), auth="token"),
    Endpoint("api-lookup", "GET", "/api/v1/products/lookup?barcode=$barcode", auth="token", samples="barcodes"),
    # Single-line +1 adjustments (stock never runs out), a different product on every request;
    # last, because it changes the data.
    Endpoint("api-adjust", "POST", "/api/v1/stock/adjustments", auth="token", body=ADJUSTMENT,
             headers={"Content-Type": "application/json"}, expect=201, samples="products"),
]
