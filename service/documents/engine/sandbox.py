"""The Jinja environment templates run in, and the error every engine failure becomes.

Templates are edited by clerks, so they run in Jinja's sandbox (``{{
''.__class__ }}`` fails), values are XML-escaped (``Công ty A&B <Chi nhánh
1>`` comes out exactly) and a missing variable is an error, never a silent
blank.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

__all__ = ["BREAK", "ENV", "STREAM_ENV", "XML_ILLEGAL", "TemplateRenderError", "make_environment"]

# Characters XML 1.0 forbids. docxtpl lets them through and lxml's recovering
# parser then drops them from the body (but a header with one fails to load);
# dropping them before escaping gives the body's behaviour everywhere. \t, \n,
# \r, \a and \f stay: \t\n\a\f are turned into layout below, \r is legal XML.
XML_ILLEGAL = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff]")


class TemplateRenderError(Exception):
    """A template could not be loaded, compiled or rendered.

    ``str(error)`` is a Vietnamese message for the user; ``part`` names the
    part of the .docx (``word/document.xml`` …) and ``excerpt`` holds the text
    around the faulty tag when it is known.
    """

    def __init__(self, message: str, *, part: str | None = None, excerpt: str | None = None):
        super().__init__(message)
        self.part = part
        self.excerpt = excerpt


def _xml_safe(value: Any) -> Any:
    # Jinja calls finalize on every {{ }} value before escaping it.
    if type(value) is str:
        # isprintable() is False for every character XML_ILLEGAL matches.
        return value if value.isprintable() else XML_ILLEGAL.sub("", value)
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return XML_ILLEGAL.sub("", value)
    return value


# Names a plain dict instance has as attributes; any other name is looked up
# as a key, which is what Jinja's getattr ends up doing after a failed
# attribute lookup.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(SandboxedEnvironment):
    """Jinja's sandbox with a shortcut for ``row.name`` on a plain dict.

    ``SandboxedEnvironment.getattr`` tries the attribute first and catches
    the AttributeError before looking up the key; for a ``dict`` and a name
    that is no dict attribute the result is the key lookup (or undefined)
    either way, without raising an exception per value.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_environment() -> SandboxedEnvironment:
    """Return the Jinja environment templates are rendered with.

    Sandboxed, autoescaping, ``StrictUndefined``; exposed so tests and the
    benchmark can give plain docxtpl an equivalent one.
    """
    return _Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_xml_safe,
    )


ENV = make_environment()

BREAK = '</w:t><w:br/><w:t xml:space="preserve">'


def _xml_safe_breaks(value: Any) -> Any:
    """``_xml_safe``, and a line break in a string becomes WordprocessingML
    at once, as the layout pass would turn it (see ``always_well_formed``)."""
    value = _xml_safe(value)
    if type(value) is str and "\n" in value:
        return Markup(str(escape(value)).replace("\n", BREAK))
    return value


# Renders the templates proven always well-formed, for plain contexts only.
STREAM_ENV = _Environment(autoescape=True, undefined=jinja2.StrictUndefined, finalize=_xml_safe_breaks)
