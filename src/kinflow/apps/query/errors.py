"""The errors a query can earn, with kintone's codes (shared/reference/kintone-rest-api.md §2.2, §5).

All are status 400. A syntax error is `CB_VA01` with the problem under the `query` key, as kintone
reports it; the rest carry their own `GAIA_*` code.
"""

from __future__ import annotations

from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_

MAX_LIMIT = 500
MAX_OFFSET = 10_000


def syntax_error(detail: str | None = None) -> KintoneError:
    if detail:
        return invalid_input({"query": [N_("The query syntax is invalid. {detail}", detail=detail)]})
    return invalid_input({"query": [N_("The query syntax is invalid.")]})


def invalid_value(message: str) -> KintoneError:
    """A value the field can never hold (`Number = "abc"`): reported like a syntax error."""
    return invalid_input({"query": [message]})


def limit_too_large() -> KintoneError:
    return KintoneError("GAIA_QU01", N_("limit must be {max_limit} or less.", max_limit=MAX_LIMIT))


def offset_too_large() -> KintoneError:
    return KintoneError("GAIA_QU02", N_("offset must be {max_offset} or less.", max_offset=MAX_OFFSET))


def field_not_found(code: str) -> KintoneError:
    return KintoneError("GAIA_IQ11", N_("Specified field ({code}) not found.", code=code))


def dotted_table_field(reference: str) -> KintoneError:
    # kintone keeps `a.b` for related records; a table's inner field is named by its own code.
    return KintoneError(
        "GAIA_IR02",
        N_("The field ({reference}) cannot be specified. Specify a field in a table by its field code only.",
           reference=reference),
    )


def operator_not_allowed(operator: str, code: str) -> KintoneError:
    return KintoneError("GAIA_IQ03", N_("The operator ({operator}) cannot be used for the field ({code}).",
                                        operator=operator, code=code))


def not_sortable(code: str) -> KintoneError:
    return KintoneError("GAIA_IQ03", N_("The field ({code}) cannot be used in order by.", code=code))


def table_equality(operator: str, code: str) -> KintoneError:
    return KintoneError(
        "GAIA_IQ07",
        N_("The operator ({operator}) cannot be used for the field ({code}) in a table. Use in or not in.",
           operator=operator, code=code),
    )


def not_an_option(value: str, code: str) -> KintoneError:
    return KintoneError("GAIA_IQ10", N_('The value "{value}" is not an option of the field ({code}).',
                                        value=value, code=code))


def wrong_argument_count(function: str) -> KintoneError:
    return KintoneError("GAIA_IL08", N_("The number of arguments of the function {function}() is invalid.",
                                        function=function))


def invalid_day(function: str, argument: str) -> KintoneError:
    return KintoneError("GAIA_IQ23", N_("The argument ({argument}) of the function {function}() is invalid.",
                                        argument=argument, function=function))


def invalid_unit(argument: str) -> KintoneError:
    return KintoneError(
        "GAIA_IQ25",
        N_("The unit ({argument}) of the function FROM_TODAY() is invalid. Use DAYS, WEEKS, MONTHS or YEARS.",
           argument=argument),
    )
