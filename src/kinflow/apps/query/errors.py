"""The errors a query can earn, with kintone's codes (shared/reference/kintone-rest-api.md §2.2, §5).

All are status 400. A syntax error is `CB_VA01` with the problem under the `query` key, as kintone
reports it; the rest carry their own `GAIA_*` code.
"""

from __future__ import annotations

from kinflow.errors import KintoneError, invalid_input

MAX_LIMIT = 500
MAX_OFFSET = 10_000


def syntax_error(detail: str | None = None) -> KintoneError:
    message = "The query syntax is invalid."
    return invalid_input({"query": [f"{message} {detail}" if detail else message]})


def invalid_value(message: str) -> KintoneError:
    """A value the field can never hold (`Number = "abc"`): reported like a syntax error."""
    return invalid_input({"query": [message]})


def limit_too_large() -> KintoneError:
    return KintoneError("GAIA_QU01", f"limit must be {MAX_LIMIT} or less.")


def offset_too_large() -> KintoneError:
    return KintoneError("GAIA_QU02", f"offset must be {MAX_OFFSET} or less.")


def field_not_found(code: str) -> KintoneError:
    return KintoneError("GAIA_IQ11", f"Specified field ({code}) not found.")


def dotted_table_field(reference: str) -> KintoneError:
    # kintone keeps `a.b` for related records; a table's inner field is named by its own code.
    return KintoneError(
        "GAIA_IR02",
        f"The field ({reference}) cannot be specified. Specify a field in a table by its field code only.",
    )


def operator_not_allowed(operator: str, code: str) -> KintoneError:
    return KintoneError("GAIA_IQ03", f"The operator ({operator}) cannot be used for the field ({code}).")


def not_sortable(code: str) -> KintoneError:
    return KintoneError("GAIA_IQ03", f"The field ({code}) cannot be used in order by.")


def table_equality(operator: str, code: str) -> KintoneError:
    return KintoneError(
        "GAIA_IQ07",
        f"The operator ({operator}) cannot be used for the field ({code}) in a table. Use in or not in.",
    )


def not_an_option(value: str, code: str) -> KintoneError:
    return KintoneError("GAIA_IQ10", f'The value "{value}" is not an option of the field ({code}).')


def wrong_argument_count(function: str) -> KintoneError:
    return KintoneError("GAIA_IL08", f"The number of arguments of the function {function}() is invalid.")


def invalid_day(function: str, argument: str) -> KintoneError:
    return KintoneError("GAIA_IQ23", f"The argument ({argument}) of the function {function}() is invalid.")


def invalid_unit(argument: str) -> KintoneError:
    return KintoneError(
        "GAIA_IQ25",
        f"The unit ({argument}) of the function FROM_TODAY() is invalid. Use DAYS, WEEKS, MONTHS or YEARS.",
    )
