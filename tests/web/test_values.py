"""Values as a record page shows them."""

from __future__ import annotations

import pytest

from kinflow.web.values import Shown

CALC = {"type": "CALC", "format": "NUMBER", "displayScale": "", "unit": "", "unitPosition": "BEFORE"}


@pytest.mark.parametrize(("props", "value", "shown"), [
    ({}, "1234.5", "1234.5"),
    ({"format": "NUMBER_DIGIT"}, "1234567.5", "1,234,567.5"),
    ({"format": "NUMBER_DIGIT", "displayScale": "2", "unit": "$"}, "1234.5", "$1,234.50"),
    ({"displayScale": "0", "unit": "円", "unitPosition": "AFTER"}, "2.5", "3円"),
    ({"format": "DATE"}, "2024-03-01", "Mar 1, 2024"),
    ({"format": "DATETIME"}, "2024-03-01T15:30:00Z", "Mar 1, 2024, 3:30:00\u202fPM"),
    ({"format": "HOUR_MINUTE"}, "25:01", "25:01"),
    ({}, "", ""),
])
def test_calculated_values_follow_their_display_settings(props, value, shown):
    assert str(Shown("en", "UTC").value("CALC", value, {**CALC, **props})) == shown


def test_numbers_keep_their_unit():
    assert str(Shown("en", "UTC").value("NUMBER", "5", {"unit": "kg", "unitPosition": "AFTER"})) == "5kg"
