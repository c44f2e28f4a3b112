"""The proof, made once per template, that every render of its body is well-formed XML.

For a template ``always_well_formed`` accepts and a context of plain data
(``is_plain_data``: what the builders make), the body can be rendered as a
stream (``streamed_template``): finished, encoded and compressed chunk by
chunk, never held whole and never re-parsed, with the same bytes as the
checked render.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import jinja2
from jinja2 import nodes
from lxml import etree

from .layout import unmark
from .sandbox import ENV, STREAM_ENV

__all__ = ["always_well_formed", "is_plain_data", "streamed_template"]

# Filters that give plain values (never Markup) for plain input. Left out:
# safe, escape/e, forceescape, tojson, urlize, xmlattr (Markup), and map,
# which applies any filter named in its arguments.
_PLAIN_FILTERS = frozenset({
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort",
    "filesizeformat", "first", "float", "format", "groupby", "indent", "int", "items", "join",
    "last", "length", "list", "lower", "max", "min", "pprint", "random", "reject", "rejectattr",
    "replace", "reverse", "round", "select", "selectattr", "slice", "sort", "string",
    "striptags", "sum", "title", "trim", "truncate", "unique", "upper", "urlencode",
    "wordcount", "wordwrap",
})
# Expressions over plain data that give plain data. No calls: a call may
# return Markup (lipsum(), a macro) or anything else.
_PLAIN_EXPRESSIONS = (
    nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Filter,
    nodes.Test, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg,
    nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod,
    nodes.Pow, nodes.Concat, nodes.CondExpr, nodes.Tuple, nodes.List, nodes.Dict, nodes.Pair,
    nodes.Keyword,
)
# Stands for a value in the skeleton of a template: a character allowed in
# text and attribute values but in no XML name or reference.
_HOLE = "\ue000"
# Stands for a value that can only print a whole number (``|int``) or one of
# a few constant words: safe in an attribute (a frame's position in twips).
_TOKEN = "\ue001"
_SAFE_WORD = re.compile(r"^[A-Za-z0-9_.-]*$")
_MARKER = re.compile(r"_[be][0-9]+")
# Elements whose regex matches (the layout pass, docxtpl's resolve_listing)
# are the elements themselves when none is nested in another of its kind.
_UNNESTED = ("p", "r", "t", "pPr", "rPr")


def _plain_expression(node: nodes.Node) -> bool:
    for item in (node, *node.find_all(nodes.Node)):
        if not isinstance(item, _PLAIN_EXPRESSIONS):
            return False
        if isinstance(item, nodes.Filter) and item.name not in _PLAIN_FILTERS:
            return False
    return True


def _token_expression(node: nodes.Node) -> bool:
    """Whether every value ``node`` can print is a whole number or a constant word:
    ``x|int``, ``'word'``, or ``a if test else b`` of those (no control character,
    quote, ampersand or angle bracket can come out)."""
    if isinstance(node, nodes.Filter):
        return node.name == "int" and not node.args and not node.kwargs
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str) and bool(_SAFE_WORD.match(node.value))
    if isinstance(node, nodes.CondExpr):
        return node.expr2 is not None and _token_expression(node.expr1) and _token_expression(node.expr2)
    return False


def _skeleton(body: list[nodes.Node], pieces: list[str], blocks: list[int]) -> bool:
    """Append the skeleton of ``body`` to ``pieces``: its literal XML, a hole
    for each value, each loop or branch body between two marker elements.
    False when the template uses anything but output, ``for`` and ``if``
    over plain expressions."""
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    pieces.append(child.data)
                elif _plain_expression(child):
                    pieces.append(_TOKEN if _token_expression(child) else _HOLE)
                else:
                    return False
            continue
        if isinstance(node, nodes.For):
            if node.recursive or not _plain_expression(node.iter) or (
                node.test is not None and not _plain_expression(node.test)
            ):
                return False
            branches = [node.body, node.else_]
        elif isinstance(node, nodes.If):
            tests = [node.test, *(branch.test for branch in node.elif_)]
            if not all(_plain_expression(test) for test in tests):
                return False
            branches = [node.body, *(branch.body for branch in node.elif_), node.else_]
        else:
            return False
        for branch in branches:
            number = len(blocks)
            blocks.append(number)
            pieces.append(f"<_b{number}/>")
            if not _skeleton(branch, pieces, blocks):
                return False
            pieces.append(f"<_e{number}/>")
    return True


def always_well_formed(source: str, prefix: str, suffix: str) -> bool:
    """Whether every render of the body template ``source`` (between
    ``prefix`` and ``suffix``), with a context of plain data (``is_plain_data``),
    is well-formed XML once finished, so that it needs no parse.

    The skeleton of the template (literal XML, a hole for each value, each
    loop or branch body between markers) must parse; each body must lie
    between its markers as whole elements of one parent, so that leaving it
    out or repeating it keeps the XML well-formed; values (escaped text,
    no Markup possible from plain data and these expressions) may only stand
    in the text of a ``w:t`` in a ``w:r`` in a ``w:p``, where turning their
    control characters into breaks, tabs and paragraphs keeps elements
    balanced, or in an attribute when all they can print is a whole number
    or a constant word (``_token_expression``); and paragraphs, runs, texts and their properties must not nest,
    so that the layout pass's regex matches are those elements.
    """
    try:
        template = ENV.parse(source)
    except jinja2.TemplateSyntaxError:
        return False
    pieces: list[str] = []
    blocks: list[int] = []
    if not _skeleton(template.body, pieces, blocks):
        return False
    skeleton = unmark("".join(pieces))
    # No literal control characters, no namespace declared inside the body
    # (a moved paragraph property would leave its scope), and no comment,
    # CDATA section or processing instruction ("<" standing for itself).
    if any(mark in skeleton for mark in ("\t", "\n", "\x07", "\x0c", "xmlns", "<!", "<?")):
        return False
    try:
        root = etree.fromstring((prefix + skeleton + suffix).encode("utf-8"))
    except etree.XMLSyntaxError:
        return False

    def named(element: Any, local: str) -> bool:
        return element is not None and element.prefix == "w" and etree.QName(element).localname == local

    markers: dict[str, list[Any]] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            return False
        local = etree.QName(element).localname
        if element.prefix is None and _MARKER.fullmatch(local):
            markers.setdefault(local, []).append(element)
        if any(_HOLE in value for value in element.attrib.values()):
            return False
        for text, holder in ((element.text, element), (element.tail, element.getparent())):
            if text and (_HOLE in text or _TOKEN in text):
                run = holder.getparent() if named(holder, "t") else None
                if not (named(run, "r") and named(run.getparent(), "p")):
                    return False
        if element.prefix == "w" and local in _UNNESTED:
            if any(named(ancestor, local) for ancestor in element.iterancestors()):
                return False
    for n in blocks:
        start, end = markers.get(f"_b{n}", []), markers.get(f"_e{n}", [])
        if len(start) != 1 or len(end) != 1 or start[0].getparent() is not end[0].getparent():
            return False
    return True


_PARAGRAPH_NEWLINE = re.compile(r"\n<w:p([ >])")


def streamed_template(source: str) -> jinja2.Template | None:
    """The body template for streamed renders, which finish chunk by chunk:
    compiled without the newlines ``_patch`` put before paragraphs (which
    ``unmark`` would remove from the output), and with line breaks in
    values resolved as they are written. None when some of those newlines
    do not lie in template data (in a string, a comment, or stripped by
    ``-%}``), which removing them from the source could change.

    For a template ``always_well_formed`` accepts, ``unmark`` then has
    nothing left to remove but the brace escapes: the template's own text
    holds no other newline, and a value's newline stands in the text of a
    ``w:t``, never before ``<w:p``. A line break needs neither run nor
    paragraph properties, the replacement holds no other control character
    or brace, and it changes no paragraph or run match, so resolving it
    first leaves the layout pass the same work on everything else.
    """
    in_data = sum(
        len(_PARAGRAPH_NEWLINE.findall(value)) for _, kind, value in STREAM_ENV.lex(source) if kind == "data"
    )
    if in_data != len(_PARAGRAPH_NEWLINE.findall(source)):
        return None
    return STREAM_ENV.from_string(_PARAGRAPH_NEWLINE.sub(r"<w:p\1", source))


def is_plain_data(context: Mapping[str, Any]) -> bool:
    """Whether ``context`` holds only dicts, lists and tuples of strings,
    numbers, booleans and None (so no value can be Markup or print illegal
    characters other than those finalize drops)."""
    stack: list[Any] = list(context.values())
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            continue
        if kind is dict or kind is list or kind is tuple:
            if id(value) in seen:
                continue
            seen.add(id(value))
            if kind is dict:
                stack.extend(value.keys())
                stack.extend(value.values())
            else:
                stack.extend(value)
            continue
        return False
    return True
