"""The template cache and the render entry point.

``render_docx(template, context)`` looks the template up by the SHA-256 of its
bytes (preparing it on first use), renders the body (streamed when proven
always well-formed and the context is plain data, checked otherwise), the
headers, footers, footnotes and core properties, and writes the new package,
copying every other part's compressed bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import zipfile
from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

import jinja2
from jinja2 import meta
from lxml import etree

from .layout import finish, finished_chunks
from .prepare import CORE_PROPERTIES, NS_W, Part, Prepared, docxtpl_helper, prepare_template
from .proof import is_plain_data
from .sandbox import ENV, XML_ILLEGAL, TemplateRenderError
from .zipwriter import Entry, EntryWriter, write_zip, zip_entry

__all__ = [
    "check_template",
    "clear_cache",
    "prepared_for",
    "render_body_checked",
    "render_docx",
    "stream_body",
    "template_sources",
    "template_variables",
]

_CACHE_SIZE = 32


_cache: "OrderedDict[str, Prepared]" = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every prepared template (tests; a template replaced on disk is
    picked up anyway because the cache is keyed by content)."""
    with _cache_lock:
        _cache.clear()


def _read_source(template: Any) -> bytes:
    if isinstance(template, (bytes, bytearray, memoryview)):
        return bytes(template)
    if isinstance(template, (str, os.PathLike)):
        try:
            with open(template, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise TemplateRenderError(
                f"Không đọc được tệp mẫu văn bản {os.fspath(template)!s}: {exc.strerror or exc}."
            ) from exc
    if hasattr(template, "read"):
        return template.read()
    raise TypeError("template phải là đường dẫn tệp hoặc nội dung bytes của tệp .docx")


def prepared_for(template: Any) -> Prepared:
    data = _read_source(template)
    digest = hashlib.sha256(data).hexdigest()
    with _cache_lock:
        prepared = _cache.get(digest)
        if prepared is not None:
            _cache.move_to_end(digest)
            return prepared
    # Compile outside the lock: two threads may both prepare a new template
    # once, which is harmless, instead of serialising every render behind it.
    prepared = prepare_template(data, digest)
    with _cache_lock:
        prepared = _cache.setdefault(digest, prepared)
        _cache.move_to_end(digest)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return prepared


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

@contextlib.contextmanager
def _render_errors(part: Part) -> Iterator[None]:
    """Turn what rendering ``part`` raises into ``TemplateRenderError``."""
    try:
        yield
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateRenderError(
            f"Mẫu văn bản dùng một thao tác không được phép ({exc}); "
            "mẫu chỉ được chèn dữ liệu, không được truy cập nội bộ hệ thống.",
            part=part.name,
        ) from exc
    except jinja2.UndefinedError as exc:
        raise TemplateRenderError(
            f"Thiếu dữ liệu cho mẫu văn bản (phần {part.name}): {exc.message}.",
            part=part.name,
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateRenderError(
            f"Không tạo được văn bản từ mẫu (phần {part.name}): {exc}.", part=part.name
        ) from exc
    except Exception as exc:  # an expression in the template failed (1/0, bad filter args …)
        raise TemplateRenderError(
            f"Không tạo được văn bản từ mẫu (phần {part.name}): {type(exc).__name__}: {exc}.",
            part=part.name,
        ) from exc


def _run(part: Part, context: Mapping[str, Any]) -> str:
    with _render_errors(part):
        return part.template.render(context)


def _render_body_slow(prepared: Prepared, rendered: str) -> bytes:
    """docxtpl's own path: recovering parse, table repair, picture ids, re-serialise."""
    from docx.oxml.parser import parse_xml

    helper = docxtpl_helper()
    tree = helper.fix_tables(rendered)
    next_id = 1000
    for element in tree.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"):
        next_id += 1
        element.attrib["id"] = str(next_id)
    root = parse_xml(prepared.document_xml)
    root.replace(root.find(f"{{{NS_W}}}body"), tree)
    return etree.tostring(root, encoding="UTF-8", standalone=True)


def render_body_checked(prepared: Prepared, context: Mapping[str, Any]) -> bytes:
    part = prepared.body
    rendered = finish(_run(part, context))
    if not prepared.body_fast:
        return _render_body_slow(prepared, rendered)
    data = (part.prefix + rendered + part.suffix).encode("utf-8")
    try:
        # A well-formed result is what docxtpl would write too; only a broken
        # one (a block tag that cuts through XML elements) needs docxtpl's
        # recovering parse, and then gets exactly the same treatment.
        etree.fromstring(data)
    except etree.XMLSyntaxError:
        standalone = prepared.body_open_subtree + rendered[len(prepared.body_open_root):]
        return _render_body_slow(prepared, standalone)
    return data


def stream_body(prepared: Prepared, context: Mapping[str, Any], info: zipfile.ZipInfo) -> Entry:
    """The fast path without holding the document: each finished chunk is
    encoded and compressed into the zip entry as it comes. Only for a
    template proven always well-formed and a plain context, so the result
    needs no parse (and is what ``render_body_checked`` would return)."""
    part = prepared.body
    writer = EntryWriter(info)
    writer.write(part.prefix.encode("utf-8"))
    with contextlib.closing(finished_chunks(part.streamed.generate(context))) as chunks:
        while True:
            with _render_errors(part):
                chunk = next(chunks, None)
            if chunk is None:
                break
            writer.write(chunk.encode("utf-8"))
    writer.write(part.suffix.encode("utf-8"))
    return writer.close()


def _render_body(prepared: Prepared, context: Mapping[str, Any], info: zipfile.ZipInfo) -> Entry:
    if prepared.body.streamed is not None and is_plain_data(context):
        return stream_body(prepared, context, info)
    return zip_entry(info, render_body_checked(prepared, context))


def _render_core(prepared: Prepared, context: Mapping[str, Any]) -> bytes:
    root = etree.fromstring(prepared.raw[prepared.core_name])
    for prop, template in prepared.core_templates.items():
        value = _run(Part(prepared.core_name, prepared.core_sources[prop], template), context)
        root.find(CORE_PROPERTIES[prop]).text = XML_ILLEGAL.sub("", value)
    return etree.tostring(root, encoding="UTF-8", standalone=True)


def render_docx(template: Any, context: Mapping[str, Any]) -> bytes:
    """Render a .docx template with ``context`` and return the new document's bytes.

    ``template`` is a path or the template's bytes. Values are XML-escaped,
    rendering is sandboxed and every variable must be present; any failure
    raises ``TemplateRenderError``. Safe to call from several threads.
    """
    if not isinstance(context, Mapping):
        raise TypeError("context phải là một dict")
    prepared = prepared_for(template)
    infos = {info.filename: info for info in prepared.infos}
    body_entry = _render_body(prepared, context, infos[prepared.body.name])
    rendered: dict[str, bytes] = {}
    for part in prepared.others:
        text = finish(_run(part, context))
        data = (part.prefix + text).encode("utf-8")
        if part.prefix:
            try:
                # python-docx re-parses headers and footers strictly when
                # docxtpl puts them back, so a broken one fails there too.
                etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                raise TemplateRenderError(
                    f"Phần {part.name} của mẫu tạo ra XML không hợp lệ "
                    "(thẻ mẫu cắt ngang cấu trúc văn bản).",
                    part=part.name,
                ) from exc
        rendered[part.name] = data
    if prepared.core_name:
        rendered[prepared.core_name] = _render_core(prepared, context)

    entries = [
        body_entry if info.filename == prepared.body.name
        else zip_entry(info, rendered[info.filename]) if info.filename in rendered
        else prepared.entries[info.filename]
        for info in prepared.infos
    ]
    return write_zip(entries)


def template_sources(template: Any) -> dict[str, str]:
    """Return the Jinja source of every rendered part of a template, by part
    name (core properties as ``docProps/core.xml#<property>``).

    The sources are the patched XML the engine compiles, for checks that
    need the whole syntax tree (e.g. of a template a unit uploads).
    """
    prepared = prepared_for(template)
    sources = {prepared.body.name: prepared.body.source}
    sources.update((part.name, part.source) for part in prepared.others)
    sources.update((f"{prepared.core_name}#{prop}", source) for prop, source in prepared.core_sources.items())
    return sources


def template_variables(template: Any) -> set[str]:
    """Return the names a template reads from its context (body, headers,
    footers, footnotes and templated core properties)."""
    prepared = prepared_for(template)
    sources: Iterable[str] = [prepared.body.source, *(p.source for p in prepared.others)]
    names: set[str] = set()
    for source in [*sources, *prepared.core_sources.values()]:
        names |= meta.find_undeclared_variables(ENV.parse(source))
    return names


def check_template(template: Any, sample_context: Mapping[str, Any]) -> list[str]:
    """Check a template against a sample context and list the problems found.

    Reports, in Vietnamese: a file that does not open as a .docx template, a
    syntax error, variables the template uses that the sample does not
    provide, a render that fails, and a result python-docx cannot open. An
    empty list means the template is usable with data shaped like the sample.
    """
    problems: list[str] = []
    try:
        variables = template_variables(template)
    except TemplateRenderError as exc:
        return [str(exc)]
    missing = sorted(variables - set(sample_context))
    for name in missing:
        problems.append(f"Mẫu dùng biến «{name}» nhưng dữ liệu không có biến này.")
    if missing:
        return problems
    try:
        output = render_docx(template, sample_context)
    except TemplateRenderError as exc:
        problems.append(str(exc))
        return problems
    try:
        import docx

        docx.Document(io.BytesIO(output))
    except Exception as exc:  # any failure to load means Word would refuse it too
        problems.append(f"Văn bản tạo từ mẫu không mở được: {exc}.")
    return problems
