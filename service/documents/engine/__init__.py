"""Rendering engine for the .docx templates (docxtpl-compatible, faster).

The result of ``render_docx(template, context)`` is meant to be the document
docxtpl produces with::

    tpl = DocxTemplate(template)
    tpl.render(context, jinja_env=SandboxedEnvironment(autoescape=True,
                                                       undefined=StrictUndefined))
    tpl.save(out)

with the same tag language (``{{ x }}``, ``{%p if %}``, ``{%tr for %}`` …), the
same escaping, and the same handling of control characters in values (``\\n``
becomes a line break, ``\\t`` a tab, ``\\a`` a new paragraph, ``\\f`` a page
break). docxtpl reloads the template with python-docx, re-patches and
re-compiles its XML, and re-serialises the whole package on every render.
Here that work is done once per template (cached by the SHA-256 of its bytes);
a render only runs the compiled Jinja templates and writes a new zip that
copies every other part byte for byte.

Modules, in the order a render meets them:

* ``sandbox`` — the sandboxed, autoescaping Jinja environment with
  ``StrictUndefined``, and ``TemplateRenderError`` (Vietnamese message) that
  every failure surfaces as;
* ``prepare`` — preparing a template once: unpacking, docxtpl's own XML patch
  (runs joined, ``{%p``/``{%tr`` tags), compiling each part, compressing the
  unchanged parts;
* ``proof`` — proving once that every render of the body is well-formed XML,
  so that long lists can be streamed;
* ``layout`` — docxtpl's pass over rendered XML (control characters become
  breaks, tabs, paragraphs; brace escapes undone), whole or chunk by chunk;
* ``zipwriter`` — the zip writer that compresses as bytes arrive;
* ``render`` — the template cache and ``render_docx``, plus the checks built
  on it (``template_variables``, ``check_template``).

This module is the public face: callers import from here.
"""

from .layout import resolve_layout_characters
from .render import check_template, clear_cache, render_docx, template_sources, template_variables
from .sandbox import TemplateRenderError, make_environment

__all__ = [
    "TemplateRenderError",
    "render_docx",
    "template_variables",
    "template_sources",
    "check_template",
    "make_environment",
    "resolve_layout_characters",
    "clear_cache",
]
