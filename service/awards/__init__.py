"""Campaign-level awards: prize money, Excel exchange, uploaded Word templates.

Pure Python (no Flask, no database), like ``service.documents``:

* ``prize`` — prize money = multiplier × base salary on the decision date;
* ``excel`` — the nominee import template, its parser, and the ranking and
  awardee exports;
* ``custom_templates`` — checks of a .docx template a unit uploads.

The award documents themselves (consolidated tờ trình, decision with its
list, certificates) are built in ``service.documents.builders.round``.
"""
