"""kintone's query language: one parser, one plan, two back-ends.

- `parser.parse_query` / `parse_condition`: text to the syntax tree of `ast`.
- `sql.compile_query`: a query as SQLAlchemy Core over an app's record tables (searching).
- `evaluate.matches`: a condition tested in Python on one record (notifications, processes).

Both back-ends run the plan of `plan.py`, so they agree on every record.
"""
