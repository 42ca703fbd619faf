"""Formula errors: one type, carrying kintone's reason and where in the formula it lies.

kintone refuses a bad formula as `GAIA_IL01` with `The formula of the field "<label>" is not
correct. (<reason>)`; the reasons follow kintone's help article 040497 ("Formula Errors").
"""

from __future__ import annotations

from kinflow.errors import KintoneError
from kinflow.i18n import N_


class FormulaError(Exception):
    def __init__(self, reason: str, position: int | None = None) -> None:
        super().__init__(self.described(reason, position))
        self.reason = reason
        self.position = position

    @staticmethod
    def described(reason: str, position: int | None) -> str:
        if position is None:
            return reason
        return N_("{reason} (at character {position})", reason=reason, position=position + 1)


def syntax(position: int | None = None) -> FormulaError:
    return FormulaError(N_("The formula syntax is not correct."), position)


def full_width(symbol: str, half: str, position: int) -> FormulaError:
    return FormulaError(N_('You have entered a full-width symbol "{symbol}". Use a half-width symbol "{half}" '
                           "or check that the entered value is correct.", symbol=symbol, half=half), position)


def mistyped(found: str, meant: str, position: int) -> FormulaError:
    return FormulaError(N_('"{found}" needs correction. If the "{meant}" operator is what you want to use, '
                           'enter "{meant}" instead.', found=found, meant=meant), position)


def unknown_field(code: str, position: int) -> FormulaError:
    return FormulaError(N_("The field code ({code}) in the formula does not exist.", code=code), position)


def unusable_type(field_type: str, position: int) -> FormulaError:
    return FormulaError(N_("A field type that cannot be used in formulas ({type}) is specified.", type=field_type),
                        position)


def unknown_function(name: str, position: int) -> FormulaError:
    return FormulaError(N_("The function {name} cannot be used.", name=name), position)


def too_few_arguments(name: str, count: int, exact: bool, position: int) -> FormulaError:
    if not exact and count == 1:
        return FormulaError(N_("The function {name} requires at least 1 argument.", name=name), position)
    if not exact:
        return FormulaError(N_("The function {name} requires at least {count} arguments.", name=name, count=count),
                            position)
    if count == 1:
        return FormulaError(N_("The function {name} requires 1 argument.", name=name), position)
    return FormulaError(N_("The function {name} requires {count} arguments.", name=name, count=count), position)


def too_many_arguments(name: str, count: int, position: int) -> FormulaError:
    if count == 1:
        return FormulaError(N_("Up to 1 argument can be specified for the function {name}.", name=name), position)
    return FormulaError(N_("Up to {count} arguments can be specified for the function {name}.", count=count, name=name),
                        position)


def array_misuse(position: int) -> FormulaError:
    return FormulaError(N_("An appropriate function is not used for a value of the array type."), position)


def circular(position: int | None = None) -> FormulaError:
    return FormulaError(N_("The field references are circular."), position)


def too_large(limit: int) -> FormulaError:
    return FormulaError(N_("A formula may be at most {limit} characters long.", limit=limit))


def too_deep(limit: int, position: int) -> FormulaError:
    return FormulaError(N_("A formula may nest at most {limit} levels deep.", limit=limit), position)


def refused(label: str, error: FormulaError) -> KintoneError:
    """The error a form save or a deploy answers for a field whose formula is refused."""
    return KintoneError("GAIA_IL01", N_('The formula of the field "{label}" is not correct. ({reason})', label=label,
                                        reason=FormulaError.described(error.reason, error.position)))
