"""Checks of a .docx template that a unit uploads to replace a committed one.

A clerk may lay out the decision or the certificates the way the province
prints them, but the file is untrusted input: it may not be a Word file, be
far larger once unpacked than uploaded, read data it should not see, or hold
template code that runs for minutes. ``check_uploaded_template`` lists every
problem in Vietnamese; an empty list means the template may be stored.

Rendering itself is already safe against the worst (Jinja's sandbox refuses
``{{ ''.__class__.__mro__ }}``; values are escaped); on top of it the
template's syntax tree is checked against a short allow-list, so that only
what a document needs passes: printing values, ``if``, ``for`` over the data,
simple filters. No function calls, no arithmetic that can build huge values,
no nested loops over unrelated lists (a loop inside a loop must walk a part
of the outer item, like ``section.rows``), no macros or includes.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Mapping

from jinja2 import nodes

from .. import office_package
from ..documents import engine
from ..documents.builders import ALL_DOCUMENT_KINDS
from ..documents.engine import TemplateRenderError

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "MAX_UNPACKED_BYTES",
    "ALLOWED_FILTERS",
    "TEMPLATE_KINDS",
    "check_uploaded_template",
]

MAX_TEMPLATE_BYTES = office_package.MAX_PACKAGE_BYTES
# A letter-sized template with a logo unpacks to well under this; the
# engine refuses more than 64 MB anyway, this says so before any parsing.
MAX_UNPACKED_BYTES = office_package.MAX_UNPACKED_BYTES
# Numbers a document template could need (a year, a count); larger literals
# only serve to build huge strings or loops.
MAX_CONSTANT = 10_000

TEMPLATE_KINDS = ALL_DOCUMENT_KINDS

# Filters that transform a value without any way to make it much larger.
ALLOWED_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "join", "last",
    "length", "list", "lower", "reject", "rejectattr", "replace", "reverse", "round", "select", "selectattr",
    "sort", "string", "striptags", "title", "trim", "truncate", "unique", "upper", "wordcount",
})

_ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem,
    nodes.Slice, nodes.For, nodes.If, nodes.CondExpr, nodes.Compare, nodes.Operand, nodes.And, nodes.Or,
    nodes.Not, nodes.Neg, nodes.Pos, nodes.Concat, nodes.Filter, nodes.Test, nodes.List, nodes.Tuple,
    nodes.Dict, nodes.Pair, nodes.Keyword, nodes.Assign, nodes.Add, nodes.Sub,
)

_PART_LABELS = {"word/document.xml": "phần thân văn bản"}


# What the shared package check finds, said about a Word template.
_PACKAGE_MESSAGES = {
    "missing": "Không nhận được nội dung tệp mẫu.",
    "empty": "Không nhận được nội dung tệp mẫu.",
    "too_large": "Tệp mẫu quá lớn: tối đa 5 MB.",
    "not_zip": "Tệp mẫu không phải là tệp Word .docx (tệp .doc cũ cần lưu lại dưới dạng .docx).",
    "damaged": "Tệp mẫu bị hỏng, không mở được.",
    "unpacks_too_large": "Tệp mẫu có dung lượng giải nén bất thường (nghi tệp độc hại), không xử lý.",
    "not_this_format": "Tệp mẫu không phải là tệp Word .docx.",
    "macro": "Tệp mẫu có chứa macro; hãy lưu lại dưới dạng .docx thông thường.",
}


def _package_problems(data: Any) -> list[str]:
    problem = office_package.package_problem(data, office_package.DOCX, max_bytes=MAX_TEMPLATE_BYTES,
                                             max_unpacked=MAX_UNPACKED_BYTES)
    return [_PACKAGE_MESSAGES[problem]] if problem else []


def _root_name(node: nodes.Node) -> str | None:
    """The variable an expression starts from: ``section`` for ``section.rows|list``."""
    while True:
        if isinstance(node, nodes.Name):
            return node.name
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            node = node.node
        elif isinstance(node, nodes.Filter) and node.node is not None:
            node = node.node
        else:
            return None


def _target_names(target: nodes.Node) -> set[str]:
    return {n.name for n in target.find_all(nodes.Name)} | (
        {target.name} if isinstance(target, nodes.Name) else set())


def _syntax_problems(tree: nodes.Template) -> list[str]:
    problems: list[str] = []

    def add(message: str) -> None:
        if message not in problems:
            problems.append(message)

    def walk(node: nodes.Node, loop_names: frozenset[str], depth: int) -> None:
        if not isinstance(node, _ALLOWED_NODES):
            if isinstance(node, nodes.Call):
                add("Mẫu gọi hàm (dạng «ten(...)»), điều không được phép: mẫu chỉ được chèn dữ liệu.")
            elif isinstance(node, (nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)):
                add("Mẫu dùng phép nhân, chia hoặc lũy thừa, điều không được phép trong mẫu văn bản.")
            elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
                add("Mẫu nạp mẫu khác (include/import/extends), điều không được phép.")
            elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
                add("Mẫu định nghĩa macro, điều không được phép.")
            else:
                add(f"Mẫu dùng cú pháp «{type(node).__name__}» không được phép trong mẫu văn bản.")
            return
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            add(f"Mẫu truy cập thuộc tính nội bộ «{node.attr}», điều không được phép.")
            return
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
            add(f"Mẫu truy cập thuộc tính nội bộ «{node.arg.value}», điều không được phép.")
            return
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            add(f"Mẫu dùng bộ lọc «{node.name}» không được phép.")
        if isinstance(node, nodes.Const) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool) and abs(node.value) > MAX_CONSTANT:
            add(f"Mẫu có số quá lớn ({node.value}); mẫu văn bản không cần số lớn hơn {MAX_CONSTANT}.")
        if isinstance(node, nodes.For):
            if node.recursive:
                add("Mẫu dùng vòng lặp đệ quy, điều không được phép.")
            root = _root_name(node.iter)
            if depth > 0 and root not in loop_names:
                add("Vòng lặp lồng nhau phải lặp trên một phần của phần tử vòng lặp ngoài "
                    "(ví dụ «section.rows»), không lặp lại trên toàn bộ dữ liệu.")
            walk(node.iter, loop_names, depth)
            inner = loop_names | _target_names(node.target)
            for child in (*node.body, *node.else_):
                walk(child, frozenset(inner), depth + 1)
            if node.test is not None:
                walk(node.test, frozenset(inner), depth + 1)
            return
        for child in node.iter_child_nodes():
            walk(child, loop_names, depth)

    walk(tree, frozenset(), 0)
    return problems


def _where(part: str) -> str:
    label = _PART_LABELS.get(part)
    if label:
        return label
    if part.startswith("word/header"):
        return "phần đầu trang"
    if part.startswith("word/footer"):
        return "phần chân trang"
    return f"phần {part}"


def check_uploaded_template(
    kind: str,
    docx_bytes: bytes,
    sample_context: Mapping[str, Any],
    allowed_variables: Iterable[str] | None,
) -> list[str]:
    """List, in Vietnamese, the problems of an uploaded template for document ``kind``.

    Checks, in order: the file (a .docx of at most 5 MB, no zip bomb, no
    macro, opens with python-docx), the template's syntax and the
    constructs it uses (see the module's doc), its variables (each must be
    in ``allowed_variables``; ``None`` means the keys of ``sample_context``),
    then renders ``sample_context`` in the engine's sandbox and opens the
    result. An empty list means the template is usable.
    """
    if kind not in TEMPLATE_KINDS:
        return [f"Loại văn bản không hợp lệ: {kind!r}."]
    problems = _package_problems(docx_bytes)
    if problems:
        return problems
    data = bytes(docx_bytes)
    try:
        import docx

        docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds of errors on a malformed package
        return ["Tệp mẫu không mở được bằng trình đọc Word (tệp hỏng hoặc không phải văn bản Word)."]

    try:
        sources = engine.template_sources(data)
        trees = {part: engine.make_environment().parse(source) for part, source in sources.items()}
        variables = engine.template_variables(data)
    except TemplateRenderError as exc:
        return [str(exc)]

    for part, tree in trees.items():
        for problem in _syntax_problems(tree):
            message = f"{problem.rstrip('.')} (ở {_where(part)})."
            if message not in problems:
                problems.append(message)

    allowed = set(sample_context) if allowed_variables is None else set(allowed_variables)
    for name in sorted(variables - allowed):
        problems.append(f"Mẫu dùng biến «{name}» không có trong danh sách biến được phép của loại văn bản này.")
    if kind == "certificates" and "certificates" not in variables:
        problems.append("Mẫu giấy khen phải lặp qua biến «certificates» để in mỗi người một trang.")
    if not variables:
        problems.append("Mẫu không dùng biến nào: văn bản tạo ra sẽ không có dữ liệu của hồ sơ.")
    if problems:
        # A template that failed the checks above is not run at all.
        return problems

    try:
        output = engine.render_docx(data, sample_context)
    except TemplateRenderError as exc:
        return [f"Không tạo được văn bản mẫu từ dữ liệu thử: {exc}"]
    try:
        import docx

        docx.Document(io.BytesIO(output))
    except Exception:  # any failure to load means Word would refuse it too
        return ["Văn bản tạo từ mẫu không mở được (thẻ mẫu cắt ngang cấu trúc văn bản)."]
    return []
