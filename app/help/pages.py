"""Help pages: Markdown files under docs/help/<lang>/, rendered safely, indexed once per process for search.

A page is `# Title`, then sections `## 用途` / `## What it is for`, `## 常见任务` / `## Common tasks` and
`## 字段` / `## Fields` (items `- **<label as on the screen>**：<meaning>`). Raw HTML in a file is shown as text,
never passed through: the files are content, not markup, and the CSP allows no inline script or style anyway.
"""
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import current_app, url_for
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.routing import BuildError

LANGUAGES = ("zh", "en")
FIELDS_HEADINGS = {"zh": "字段", "en": "Fields"}
NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")  # endpoint-like page names: nothing that walks the file system
FIELD_ITEM = re.compile(r"^\s*[-*]\s+\*\*(.+?)\*\*")
ENDPOINT_LINK = re.compile(r"\]\(endpoint:([a-z_.]+)\)")


@cache
def _markdown():
    """CommonMark without raw HTML; images off (a picture from elsewhere would break the CSP's img-src, and the
    pages are text). Links keep markdown-it's own check, which refuses javascript:, vbscript:, file: and data: URLs.
    Made with the first help page shown, not at start (markdown-it is some 60 modules)."""
    from markdown_it import MarkdownIt
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


@dataclass
class Page:
    name: str
    lang: str
    title: str
    source: str
    sections: dict = field(default_factory=dict)  # heading -> Markdown body

    @property
    def html(self) -> Markup:
        """The page without its title (the template shows that), as safe HTML."""
        body = self.source.split("\n", 1)[1] if self.source.startswith("# ") else self.source
        return Markup(_markdown().render(resolve_links(body)))

    @property
    def fields(self) -> list[str]:
        """The bold labels of the Fields section: each must appear on the page's screen."""
        text = self.sections.get(FIELDS_HEADINGS[self.lang], "")
        return [m.group(1).strip() for m in map(FIELD_ITEM.match, text.splitlines()) if m]

    @property
    def text(self) -> str:
        """Plain words for search and excerpts: the body without headings, list numbers, marks or link targets."""
        lines = [line for line in self.source.splitlines() if not line.startswith("#")]
        body = re.sub(r"\]\([^)]*\)", "]", "\n".join(lines))  # keep a link's words, not its address
        body = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", body, flags=re.M)
        return re.sub(r"[*_`>\[\]]", "", body)


def resolve_links(source: str) -> str:
    """`](endpoint:x.y)` becomes the endpoint's URL, so pages follow the routes; an unknown one, the help index."""
    def url(match):
        try:
            return f"]({url_for(match.group(1))})"
        except BuildError:
            return f"]({url_for('help.index')})"
    return ENDPOINT_LINK.sub(url, source)


def help_root() -> Path:
    return Path(current_app.root_path).parent / "docs" / "help"


def language() -> str:
    """The help language of this request: the user's, Chinese unless English."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def parse(name: str, lang: str, source: str) -> Page:
    lines = source.splitlines()
    title = lines[0][2:].strip() if lines and lines[0].startswith("# ") else name
    sections, current = {}, None
    for line in lines[1:]:
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return Page(name, lang, title, source, sections)


@cache
def _load(root: Path, lang: str) -> dict[str, Page]:
    """Every page of one language, read once per process (the files ship with the code)."""
    folder = root / lang
    if not folder.is_dir():
        return {}
    return {path.stem: parse(path.stem, lang, path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.md")) if NAME.match(path.stem)}


def all_pages(lang: str) -> dict[str, Page]:
    return _load(help_root(), lang)


def get(name: str, lang: str) -> Page | None:
    if not NAME.match(name or ""):
        return None
    return all_pages(lang).get(name)


def search(query: str, lang: str, limit: int = 20) -> list[tuple[Page, str]]:
    """Pages whose title or text holds every word of the query (substrings, so Chinese works without a
    tokenizer), title matches first; each with a short excerpt around the first match."""
    words = [word.casefold() for word in query.split() if word][:10]
    if not words:
        return []
    found = []
    for page in all_pages(lang).values():
        text = page.text.casefold()
        title = page.title.casefold()
        if all(word in text or word in title for word in words):
            in_title = sum(word in title for word in words)
            found.append((-in_title, -sum(text.count(word) for word in words), page.title, page))
    found.sort(key=lambda item: item[:3])
    return [(page, excerpt(page, words[0])) for *_rank, page in found[:limit]]


def excerpt(page: Page, word: str, width: int = 40) -> str:
    text = " ".join(page.text.split())
    at = text.casefold().find(word)
    if at < 0:
        return text[:width * 2]
    start = max(0, at - width)
    return ("…" if start else "") + text[start:at + len(word) + width] + "…"
