"""The values a formula computes with, and the app's number precision that bounds them.

A formula sees numbers (`Decimal`), text (`str`), truth values (`bool`), `EMPTY` (a field with no
value: 0 in arithmetic, "" in concatenation, kept as it is when a formula or an IF branch is just
the field), and two kinds of lists: a table's inner field seen from outside its row (`Column`)
and the selected options of a check box or multi-choice field (`Choices`).

Rules observed on kintone: every literal and every intermediate result is rounded to the app's
`numberPrecision.decimalPlaces` with its `roundingMode`, and a value whose integer part needs more
than `digits - decimalPlaces` digits cannot be calculated (the field's value is then "").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Context, Decimal, InvalidOperation


class Incalculable(Exception):
    """The formula has no result for this record (division by zero, a type that does not fit...):
    the calculated field's value is empty, as kintone's API shows it."""


class _Empty:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = _Empty()


class Column(tuple):
    """One inner field of a table, a value per row (for SUM and CONTAINS)."""

    __slots__ = ()


class Choices(tuple):
    """The selected options of a check box or multi-choice field (for CONTAINS)."""

    __slots__ = ()


# Exact enough for any product of two in-range values (30 digits each side).
WIDE = Context(prec=200, Emax=10_000, Emin=-10_000)
_MODES = {"HALF_EVEN": ROUND_HALF_EVEN, "UP": ROUND_UP, "DOWN": ROUND_DOWN}


@dataclass(frozen=True)
class Precision:
    digits: int = 16
    places: int = 4
    rounding: str = ROUND_HALF_EVEN

    @classmethod
    def of(cls, settings: dict | None) -> "Precision":
        """The app's `numberPrecision` (kintone's defaults where it is missing or malformed)."""
        spec = (settings or {}).get("numberPrecision") or {}
        try:
            digits = min(max(int(spec.get("digits", 16)), 1), 30)
            places = min(max(int(spec.get("decimalPlaces", 4)), 0), 10)
        except (TypeError, ValueError):
            digits, places = 16, 4
        return cls(digits, min(places, digits), _MODES.get(spec.get("roundingMode"), ROUND_HALF_EVEN))

    def fit(self, number: Decimal) -> Decimal:
        try:
            rounded = number.quantize(Decimal(1).scaleb(-self.places), rounding=self.rounding, context=WIDE)
        except InvalidOperation:
            raise Incalculable from None
        whole = abs(rounded).to_integral_value(rounding=ROUND_DOWN)
        if whole and whole.adjusted() + 1 > self.digits - self.places:
            raise Incalculable
        return rounded
