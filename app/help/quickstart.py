"""Quick starts: per role, the top three tasks as steps on the real screens (docs/help/<lang>/quickstart.<role>.md).

Each `## ` section is a task, each numbered item a step. A step's first link is the screen it happens on (links
may name an endpoint, `endpoint:sales.new`, so they follow the routes), its first bold text the thing to tap,
which the tour bar highlights on that screen. Steps without a link stay on the previous step's screen.
"""
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from flask import url_for
from markupsafe import Markup

from app.help import pages
from app.help.pages import resolve_links

STEP = re.compile(r"^\s*\d+\.\s+(.*)$")
LINK = re.compile(r"\]\(([^)\s]+)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
TOUR = re.compile(r"^([a-z]+)\.(\d{1,2})\.(\d{1,2})$")


@cache
def _inline():
    """The steps' Markdown renderer, made with the first quick start shown (markdown-it is not loaded at start)."""
    from markdown_it import MarkdownIt
    return MarkdownIt("commonmark", {"html": False}).disable("image")


@dataclass
class Step:
    text: str
    url: str
    target: str | None

    @property
    def html(self) -> Markup:
        return Markup(_inline().renderInline(resolve_links(self.text)))


@dataclass
class Task:
    title: str
    steps: list


def tasks(role: str, lang: str) -> list[Task]:
    page = pages.get(f"quickstart.{role}", lang)
    if page is None:
        return []
    found = []
    for title, body in page.sections.items():
        steps, url = [], url_for("home.index")
        for line in body.splitlines():
            match = STEP.match(line)
            if not match:
                continue
            text = match.group(1)
            link = LINK.search(resolve_links(text))
            url = link.group(1) if link else url
            bold = BOLD.search(text)
            steps.append(Step(text, url, bold.group(1) if bold else None))
        if steps:
            found.append(Task(title, steps))
    return found


def tour_url(role: str, task: int, step: int, steps: list) -> str:
    """The step's screen with the tour bar on it."""
    url = steps[step].url
    return url + ("&" if "?" in url else "?") + urlencode({"tour": f"{role}.{task}.{step}"})


@dataclass
class TourStep:
    role: str
    task_index: int
    task: Task
    index: int
    step: Step
    next_url: str | None
    previous_url: str | None


def tour_step(value: str | None, role: str, lang: str) -> TourStep | None:
    """The tour step a `tour` argument names, for the signed-in user's own role; None if it names nothing."""
    match = TOUR.match(value or "")
    if not match or match.group(1) != role:
        return None
    task_index, index = int(match.group(2)), int(match.group(3))
    found = tasks(role, lang)
    if task_index >= len(found) or index >= len(found[task_index].steps):
        return None
    steps = found[task_index].steps
    return TourStep(role, task_index, found[task_index], index, steps[index],
                    tour_url(role, task_index, index + 1, steps) if index + 1 < len(steps) else None,
                    tour_url(role, task_index, index - 1, steps) if index > 0 else None)
