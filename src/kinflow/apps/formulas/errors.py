"""Formula errors: one type, carrying kintone's reason and where in the formula it lies.

kintone refuses a bad formula as `GAIA_IL01` with `The formula of the field "<label>" is not
correct. (<reason>)`; the reasons follow kintone's help article 040497 ("Formula Errors").
"""

from __future__ import annotations

from kinflow.errors import KintoneError


class FormulaError(Exception):
    def __init__(self, reason: str, position: int | None = None) -> None:
        where = f" (at character {position + 1})" if position is not None else ""
        super().__init__(f"{reason}{where}")
        self.reason = reason
        self.position = position


def syntax(position: int | None = None) -> FormulaError:
    return FormulaError("The formula syntax is not correct.", position)


def full_width(symbol: str, half: str, position: int) -> FormulaError:
    return FormulaError(f'You have entered a full-width symbol "{symbol}". Use a half-width symbol "{half}" '
                        "or check that the entered value is correct.", position)


def mistyped(found: str, meant: str, position: int) -> FormulaError:
    return FormulaError(f'"{found}" needs correction. If the "{meant}" operator is what you want to use, '
                        f'enter "{meant}" instead.', position)


def unknown_field(code: str, position: int) -> FormulaError:
    return FormulaError(f"The field code ({code}) in the formula does not exist.", position)


def unusable_type(field_type: str, position: int) -> FormulaError:
    return FormulaError(f"A field type that cannot be used in formulas ({field_type}) is specified.", position)


def unknown_function(name: str, position: int) -> FormulaError:
    return FormulaError(f"The function {name} cannot be used.", position)


def too_few_arguments(name: str, count: int, exact: bool, position: int) -> FormulaError:
    amount = f"{count}" if exact else f"at least {count}"
    return FormulaError(f"The function {name} requires {amount} argument{'s' if count != 1 else ''}.", position)


def too_many_arguments(name: str, count: int, position: int) -> FormulaError:
    return FormulaError(f"Up to {count} argument{'s' if count != 1 else ''} can be specified for the function "
                        f"{name}.", position)


def array_misuse(position: int) -> FormulaError:
    return FormulaError("An appropriate function is not used for a value of the array type.", position)


def circular(position: int | None = None) -> FormulaError:
    return FormulaError("The field references are circular.", position)


def too_large(limit: int) -> FormulaError:
    return FormulaError(f"A formula may be at most {limit} characters long.")


def too_deep(limit: int, position: int) -> FormulaError:
    return FormulaError(f"A formula may nest at most {limit} levels deep.", position)


def refused(label: str, error: FormulaError) -> KintoneError:
    """The error a form save or a deploy answers for a field whose formula is refused."""
    return KintoneError("GAIA_IL01", f'The formula of the field "{label}" is not correct. ({error})')
