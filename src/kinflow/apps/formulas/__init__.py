"""kintone's formula language: CALC fields and auto-calculated text fields.

`parser` (lark grammar -> `ast`), `evaluate` (with `functions`, `values`, `dates`), `check` (a
form's formulas against its fields, in computing order) and `compute` (a record's calculated
fields filled in on every write).
"""
