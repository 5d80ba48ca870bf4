"""The one stylesheet every page links: static/css/app.css (the shared components) and each area's sheet
(static/css/areas/<sheet>.css), its rules scoped to the <main data-area> of that area's pages, joined into
static/build/jxc-<content hash>.css with a gzip copy beside it.

Built by the app itself, on the first page a process renders and again whenever a source sheet changes (the
sources' sizes and modification times are checked, as app/pwa/shell.py does), rather than by a make step: the
file cannot go stale after an edit or a `git pull`, nothing generated is committed, and tests, `flask run` and
gunicorn need no build step first. It is written beside the static files (atomically: every process of one
deploy writes the same bytes), so a proxy serving /static/ from disk (docs/deploy.md) serves it too.

The scope is `:where(main[data-area="..."])`, which adds no specificity: every rule wins or loses against the
shared ones exactly as it did when each area had its own file, and only stops reaching other areas' pages.
"""
import gzip
import hashlib
import os
import re
import tempfile
from pathlib import Path

# Area sheets in cascade order, each with the blueprints (request.blueprint, the <main>'s data-area) it styles.
AREAS = {
    "catalog": ("catalog",),
    "inventory": ("inventory",),
    "partners": ("partners", "purchasing"),  # customers; suppliers are the same screens under purchasing
    "sales": ("sales", "purchasing"),  # orders; purchase orders reuse the order screens
    "purchasing": ("purchasing",),
    "receiving": ("purchasing",),  # receiving by scanning (templates/purchasing/receiving/)
    "documents": ("sales", "purchasing", "finance"),  # deliveries, invoices, returns, receipts and payments
    "stocktake": ("stocktake",),
    "offline": ("sales",),  # orders taken without signal (templates/sales/offline/)
    "reports": ("reports", "books"),  # the books' statements and ledgers are laid out as reports
    "books": ("books",),  # the books' own screens (templates/books/)
    "printing": ("printing",),  # narrow slips for thermal printers (templates/printing/)
    "sharing": ("sales", "sharing"),  # share links: the panel on sales documents, the customer's page (app/sharing)
    "backups": ("backups",),  # the owner's backup screen (app/backups)
    "webhooks": ("webhooks",),  # the owner's webhook endpoints and their delivery log (app/webhooks)
}
BUILD = "build"  # under static/: generated, ignored by git
_built: dict[tuple, str] = {}


def sources(static: Path) -> list[Path]:
    return [static / "css" / "app.css"] + [static / "css" / "areas" / f"{sheet}.css" for sheet in AREAS]


def stylesheet(static_folder: str) -> str:
    """The built stylesheet's name under static/ (built or rebuilt first if its sources changed)."""
    static = Path(static_folder)
    signature = (static_folder, *((str(path), stat.st_size, stat.st_mtime_ns) for path in sources(static)
                                  for stat in [os.stat(path)]))
    name = _built.get(signature)
    if name is None or not (static / name).exists():
        css = build(static)
        name = f"{BUILD}/jxc-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        _write(static / name, css.encode())
        _built.clear()
        _built[signature] = name
    return name


def build(static: Path) -> str:
    """The stylesheet's text: the shared sheet, then each area's rules under its scope. Same sources, same bytes."""
    parts = [_minify(_read(static / "css" / "app.css"))]
    for sheet, blueprints in AREAS.items():
        scope = ":where(" + ",".join(f"main[data-area={name}]" for name in blueprints) + ")"
        parts.append(_minify(scoped(_read(static / "css" / "areas" / f"{sheet}.css"), scope)))
    return "\n".join(parts) + "\n"


def scoped(css: str, scope: str) -> str:
    """`css` with every selector of every rule (inside @media and @supports too) put under `scope`."""
    out, i = [], 0
    while i < len(css):
        brace = css.find("{", i)
        if brace < 0:
            out.append(css[i:])
            break
        end = _block_end(css, brace)
        prelude, body = css[i:brace].strip(), css[brace + 1:end - 1]
        if prelude.startswith(("@media", "@supports")):
            out.append(f"{prelude}{{{scoped(body, scope)}}}")
        elif prelude.startswith("@"):
            out.append(f"{prelude}{{{body}}}")  # @keyframes, @font-face: nothing to scope
        else:
            out.append(",".join(_under(scope, selector) for selector in _split_selectors(prelude)) + f"{{{body}}}")
        i = end
    return "\n".join(out)


def _under(scope: str, selector: str) -> str:
    if re.match(r"(main|html|body|:root)\b", selector):
        raise ValueError(f"an area's rule cannot style {selector!r}: put it in static/css/app.css")
    return f"{scope} {selector}"


def _split_selectors(prelude: str) -> list[str]:
    """Split a selector list at its top-level commas (not those inside :is(), :where(), :not(), :has())."""
    parts, depth, current = [], 0, ""
    for char in prelude:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + [current.strip()]


def _block_end(css: str, brace: int) -> int:
    depth, k = 0, brace
    while True:
        depth += {"{": 1, "}": -1}.get(css[k], 0)
        k += 1
        if depth == 0:
            return k


def _read(path: Path) -> str:
    return _read_text(path.read_text(encoding="utf-8"))


def _read_text(css: str) -> str:
    """`css` without its comments."""
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def _minify(css: str) -> str:
    css = re.sub(r"\s+", " ", css)
    return re.sub(r"\s*([{};])\s*", r"\1", css).replace(";}", "}").strip()


def _write(path: Path, data: bytes):
    """Write the gzip copy, then the file, each atomically (processes of one deploy may race to write the same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, content in ((path.with_name(path.name + ".gz"), gzip.compress(data, 9, mtime=0)), (path, data)):
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
