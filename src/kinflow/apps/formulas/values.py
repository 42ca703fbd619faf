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

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Context, Decimal, InvalidOperation

from kinflow.digits import is_digits
from kinflow.errors import invalid_input
from kinflow.i18n import N_


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


def number_precision(given: object, current: dict) -> dict:
    """An app's `numberPrecision` setting from what a client sent (the keys it leaves out keep their
    value): digits 1-30, decimal places 0-10 and at most the digits, rounding HALF_EVEN, UP or DOWN."""
    if not isinstance(given, dict):
        raise invalid_input({"numberPrecision": [N_("Must be an object.")]})
    merged = {**current, **given}
    checked: dict[str, str] = {}
    for key, low, high in (("digits", 1, 30), ("decimalPlaces", 0, 10)):
        value = str(merged.get(key, ""))
        if not is_digits(value) or not low <= int(value) <= high:
            raise invalid_input({f"numberPrecision.{key}": [N_("Enter an integer from {low} to {high}.",
                                                               low=low, high=high)]})
        checked[key] = str(int(value))
    if int(checked["decimalPlaces"]) > int(checked["digits"]):
        raise invalid_input({"numberPrecision.decimalPlaces": [N_("Enter at most as many decimal places as digits.")]})
    if merged.get("roundingMode") not in _MODES:
        raise invalid_input({"numberPrecision.roundingMode": [N_("Must be one of the enum values.")]})
    checked["roundingMode"] = merged["roundingMode"]
    return checked


# Exact enough for any product of two in-range values (30 digits each side).
WIDE = Context(prec=200, Emax=10_000, Emin=-10_000)
_MODES = {"HALF_EVEN": ROUND_HALF_EVEN, "UP": ROUND_UP, "DOWN": ROUND_DOWN}


@dataclass(frozen=True)
class Precision:
    digits: int = 16
    places: int = 4
    rounding: str = ROUND_HALF_EVEN
    # Worked out once: `fit` runs for every literal and every step of every formula.
    _quantum: Decimal = field(init=False, repr=False, compare=False)
    _limit: Decimal = field(init=False, repr=False, compare=False)
    _negative_limit: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_quantum", Decimal(1).scaleb(-self.places))
        object.__setattr__(self, "_limit", Decimal(10) ** (self.digits - self.places))
        object.__setattr__(self, "_negative_limit", -self._limit)

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
            rounded = number.quantize(self._quantum, self.rounding, WIDE)  # positional: several times faster
        except InvalidOperation:
            raise Incalculable from None
        # An integer part of more than `digits - places` digits is at least 10 ** (digits - places).
        if rounded >= self._limit or rounded <= self._negative_limit:
            raise Incalculable
        return rounded
