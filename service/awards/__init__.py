"""Campaign-level awards: prize money, decision documents, certificates, Excel exchange.

Pure Python (no Flask, no database), like ``service.documents``:

* ``prize`` — prize money = multiplier × base salary on the decision date;
* ``builders`` — contexts of the campaign's documents (consolidated tờ trình,
  decision with its list, certificates) from a plain snapshot dict;
* ``excel`` — the nominee import template, its parser, and the ranking and
  awardee exports;
* ``custom_templates`` — checks of a .docx template a unit uploads.
"""
