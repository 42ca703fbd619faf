"""People in Groups are phone numbers in E.164 form (`+<country code><number>`), as Kaizala's are."""

from __future__ import annotations

import phonenumbers

from kinflow.groups.errors import bad_input

# E.164 allows 15 digits; room for spaces and dashes a person may type.
MAX_INPUT = 32


def e164(value: object, field: str = "mobileNumber") -> str:
    """The number in E.164 form; a clear refusal naming `field` and the value when it is not one."""
    if not isinstance(value, str) or not value.strip():
        raise bad_input(field, "Enter a mobile number with its country code, such as +14155550123.")
    if len(value) > MAX_INPUT or not value.strip().startswith("+"):
        raise bad_input(field, f"{value[:MAX_INPUT]!r} is not a mobile number with its country code "
                               "(+<country code><number>).")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise bad_input(field, f"{value!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_list(value: object, field: str, *, limit: int) -> list[str]:
    """A JSON array of numbers, or one comma-separated string (the connector's form), without repeats."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise bad_input(field, "Enter an array of mobile numbers.")
    if len(value) > limit:
        raise bad_input(field, f"Enter at most {limit} mobile numbers.")
    numbers = [e164(item, f"{field}[{index}]") for index, item in enumerate(value)]
    return list(dict.fromkeys(numbers))
