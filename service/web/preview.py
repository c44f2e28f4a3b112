"""A Word document shown inside a page: mammoth turns the .docx into HTML, nh3 keeps only harmless tags.

mammoth escapes the text it copies, but the result is still cleaned against a
short list of tags, so that nothing a user typed into a document (names,
summaries) can become markup or a script on the page.

Converting a long list takes seconds, so the result is kept per process by the
document's SHA-256 (a stored document never changes under its hash) and cut
into pages of ``PAGE_BLOCKS`` paragraphs or table rows: a list of 10 000
people is read a page at a time, never sent whole.
"""
from __future__ import annotations

import io
import logging
import threading
from typing import Callable

import lxml.html
import mammoth
import nh3
from cachetools import LRUCache
from markupsafe import Markup

log = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sup", "sub", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "td", "th",
}
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def _no_images(image):
    # Pictures would arrive as data: URLs; a preview of the text does not need them.
    return {}


def docx_to_html(content: bytes) -> Markup:
    """Sanitised HTML of the body of a .docx (no images, no links, no styles)."""
    result = mammoth.convert_to_html(io.BytesIO(content), convert_image=mammoth.images.img_element(_no_images))
    if result.messages:
        log.debug("mammoth: %s", "; ".join(str(m.message) for m in result.messages))
    cleaned = nh3.clean(result.value, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=set(),
                        link_rel=None, strip_comments=True)
    return Markup(cleaned)


# Paragraphs, headings, list items or table rows on one page of a preview.
PAGE_BLOCKS = 200
# The most characters of HTML the cache of one process keeps.
CACHE_CHARS = 64 * 1024 * 1024
_pages: LRUCache = LRUCache(maxsize=CACHE_CHARS, getsizeof=lambda pages: sum(len(p) for p in pages) or 1)
_lock = threading.Lock()


def preview_pages(sha256: str, content: Callable[[], bytes]) -> list[Markup]:
    """The document's preview cut into pages; ``content`` reads the .docx only when the cache lacks it."""
    with _lock:
        pages = _pages.get(sha256)
    if pages is None:
        pages = split_pages(str(docx_to_html(content())))
        with _lock:
            _pages[sha256] = pages
    return [Markup(page) for page in pages]


def split_pages(html: str, size: int | None = None) -> list[str]:
    """Cut sanitised HTML into pages of at most ``size`` (PAGE_BLOCKS) blocks; a long table goes on over pages."""
    size = size or PAGE_BLOCKS
    blocks: list[tuple[str, str]] = []  # (tag of the table a row belongs to, or "", its HTML)
    for element in lxml.html.fragments_fromstring(html) if html.strip() else []:
        if isinstance(element, str):
            blocks.append(("", str(Markup.escape(element))))
        elif element.tag == "table":
            rows = element.xpath("./tr|./thead/tr|./tbody/tr")
            blocks += [("table", lxml.html.tostring(row, encoding="unicode")) for row in rows]
            blocks.append(("", ""))  # the table ends here even when another one follows
        else:
            blocks.append(("", lxml.html.tostring(element, encoding="unicode")))
    pages, page, in_table, count = [], [], False, 0
    for kind, block in blocks:
        if kind == "table" and not in_table:
            page.append("<table>")
            in_table = True
        elif kind != "table" and in_table:
            page.append("</table>")
            in_table = False
        page.append(block)
        count += bool(block)
        if count >= size:
            if in_table:
                page.append("</table>")
                in_table = False
            pages.append("".join(page))
            page, count = [], 0
    if in_table:
        page.append("</table>")
    if count or not pages:
        pages.append("".join(page))
    return pages
