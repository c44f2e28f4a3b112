"""No internal code reaches a person: every page a role can reach from its home page (the demo data, each
role in turn) is read as a person reads it, and its visible text holds no snake_case code and no English
code of a state, a kind or a document (giay_khen_tap_the, bien_ban, collective, draft…)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from service.vocabulary import VALUE_LABELS
from web_helpers import DEMO_PASSWORD, WebClient, demo  # noqa: F401 - fixtures
from workflows import ROUND_WORKFLOW, WORKFLOW

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
# Codes of one word: states, kinds of nominee and unit, round kinds; none is a Vietnamese word.
ONE_WORD_CODES = ({s.name for s in WORKFLOW.states} | {s.name for s in ROUND_WORKFLOW.states}
                  | {code for labels in VALUE_LABELS.values() for code in labels}) - {"other"}
CODE_WORD = re.compile(r"(?<![\w./-])(?:" + "|".join(sorted(ONE_WORD_CODES, key=len, reverse=True))
                       + r")(?![\w/-])")
ROLES = ["admin", "thamdinh.yte", "pheduyet.ubnd", "canbo.mylong", "thuky.mylong", "chutich.mylong"]
# Downloads and actions are not pages; the API has its own consumers.
SKIP = re.compile(r"^/(?:api/|static/|dang-xuat)|\.(?:xlsx|docx|pdf|zip|svg)(?:$|\?)|/tai-ve|/download")
MAX_PAGES = 60


class VisibleText(HTMLParser):
    """The text a person sees (and hears: labels read aloud), and the page's links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        for name in ("title", "placeholder", "alt", "aria-label"):
            if attributes.get(name):
                self.parts.append(attributes[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _read(html: str) -> VisibleText:
    reader = VisibleText()
    reader.feed(html)
    return reader


def _codes_in(text: str) -> list[str]:
    return SNAKE_CASE.findall(text) + CODE_WORD.findall(text)


@pytest.mark.parametrize("username", ROLES)
def test_no_page_a_role_reaches_shows_a_code(app, demo, username):
    person = WebClient(app.test_client()).login(username, DEMO_PASSWORD)
    queue, seen, found = ["/"], set(), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = person.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        page = _read(response.get_data(as_text=True))
        for part in page.parts:
            for code in _codes_in(part):
                found.append(f"{url}: “{code}” in “{part[:120]}”")
        for href in page.links:
            target = urldefrag(href)[0]
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) >= 2, seen
    assert not found, "\n".join(found)
