"""A Word document shown inside a page: mammoth turns the .docx into HTML, nh3 keeps only harmless tags.

mammoth escapes the text it copies, but the result is still cleaned against a
short list of tags, so that nothing a user typed into a document (names,
summaries) can become markup or a script on the page.
"""
from __future__ import annotations

import io
import logging

import mammoth
import nh3
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
