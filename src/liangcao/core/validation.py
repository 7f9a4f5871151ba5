"""Schema validation errors (pydantic, through Ninja) in the reader's language.

Pydantic words its errors in English only. English readers get pydantic's own text; any other
language gets ours, by the error's `type` and its `ctx` values: every type the API's schemas
can raise (strict integers within bounds, strings with a length, lists of lines, dates, times,
decimals, enums, JSON bodies) has a translated text, and an unknown type reads "invalid value".
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

# type → text with the `ctx` values pydantic gives for it (the English mirrors pydantic's).
TEXTS = {
    "missing": gettext_lazy("Field required"),
    "extra_forbidden": gettext_lazy("Extra inputs are not permitted"),
    "int_type": gettext_lazy("Input should be a valid integer"),
    "int_parsing": gettext_lazy(
        "Input should be a valid integer, unable to parse string as an integer"
    ),
    "int_from_float": gettext_lazy(
        "Input should be a valid integer, got a number with a fractional part"
    ),
    "int_parsing_size": gettext_lazy(
        "Unable to parse input string as an integer, exceeded maximum size"
    ),
    "float_type": gettext_lazy("Input should be a valid number"),
    "float_parsing": gettext_lazy(
        "Input should be a valid number, unable to parse string as a number"
    ),
    "finite_number": gettext_lazy("Input should be a finite number"),
    "bool_type": gettext_lazy("Input should be a valid boolean"),
    "bool_parsing": gettext_lazy("Input should be a valid boolean, unable to interpret input"),
    "string_type": gettext_lazy("Input should be a valid string"),
    "string_unicode": gettext_lazy("Input should be a valid string"),
    "string_too_short": gettext_lazy("String should have at least %(min_length)s characters"),
    "string_too_long": gettext_lazy("String should have at most %(max_length)s characters"),
    "string_pattern_mismatch": gettext_lazy("String should match pattern '%(pattern)s'"),
    "list_type": gettext_lazy("Input should be a valid list"),
    "too_short": gettext_lazy("Should have at least %(min_length)s items, not %(actual_length)s"),
    "too_long": gettext_lazy("Should have at most %(max_length)s items, not %(actual_length)s"),
    "dict_type": gettext_lazy("Input should be a valid dictionary"),
    "model_type": gettext_lazy("Input should be a valid dictionary or object"),
    "model_attributes_type": gettext_lazy("Input should be a valid dictionary or object"),
    "greater_than": gettext_lazy("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_lazy("Input should be greater than or equal to %(ge)s"),
    "less_than": gettext_lazy("Input should be less than %(lt)s"),
    "less_than_equal": gettext_lazy("Input should be less than or equal to %(le)s"),
    "multiple_of": gettext_lazy("Input should be a multiple of %(multiple_of)s"),
    "date_type": gettext_lazy("Input should be a valid date"),
    "date_parsing": gettext_lazy("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_lazy(
        "Input should be a valid date in the format YYYY-MM-DD"
    ),
    "date_from_datetime_inexact": gettext_lazy("A date should have no time of day"),
    "datetime_type": gettext_lazy("Input should be a valid datetime"),
    "datetime_parsing": gettext_lazy("Input should be a valid datetime (ISO 8601)"),
    "datetime_from_date_parsing": gettext_lazy("Input should be a valid datetime (ISO 8601)"),
    "time_type": gettext_lazy("Input should be a valid time"),
    "time_parsing": gettext_lazy("Input should be in a valid time format (HH:MM[:SS])"),
    "timezone_naive": gettext_lazy("Input should not have timezone info"),
    "timezone_aware": gettext_lazy("Input should have timezone info"),
    "decimal_type": gettext_lazy("Input should be a valid decimal"),
    "decimal_parsing": gettext_lazy("Input should be a valid decimal"),
    "decimal_max_digits": gettext_lazy(
        "Decimal input should have no more than %(max_digits)s digits in total"
    ),
    "decimal_max_places": gettext_lazy(
        "Decimal input should have no more than %(decimal_places)s decimal places"
    ),
    "decimal_whole_digits": gettext_lazy(
        "Decimal input should have no more than %(whole_digits)s digits before the decimal point"
    ),
    "enum": gettext_lazy("Input should be one of %(expected)s"),
    "literal_error": gettext_lazy("Input should be one of %(expected)s"),
    "json_invalid": gettext_lazy("Invalid JSON"),
    "json_type": gettext_lazy("Invalid JSON"),
    "value_error": gettext_lazy("Invalid value"),
    "uuid_type": gettext_lazy("Input should be a valid UUID"),
    "uuid_parsing": gettext_lazy("Input should be a valid UUID"),
}


class _Values(dict[str, Any]):
    """The `ctx` values; a value the text names but pydantic did not give reads '?'."""

    def __missing__(self, key: str) -> str:
        return "?"


def validation_message(error: dict[str, Any]) -> str:
    """One pydantic error's text in the active language."""
    if (get_language() or "").startswith("en") and error.get("msg"):
        return str(error["msg"])
    template = TEXTS.get(str(error.get("type")))
    if template is None:
        return _("Invalid value")
    return str(template) % _Values(error.get("ctx") or {})
