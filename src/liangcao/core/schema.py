"""Input types shared by the API schemas: strict integers within the columns that hold them,
so a boolean, a string or 2^63 given as a quantity is a 422 that names the field, never a
database error. Services still apply the configured business limits
(`LEDGER_MAX_LINE_QUANTITY`, `Item.max_line_quantity`)."""

from datetime import time
from typing import Annotated

from pydantic import AfterValidator, Field, Strict
from pydantic_core import PydanticCustomError

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
TEXT_MAX = 2000

# A positive count of units (PositiveIntegerField columns).
Quantity = Annotated[int, Strict(), Field(ge=1, le=INT32_MAX)]
# Zero or more units.
Count = Annotated[int, Strict(), Field(ge=0, le=INT32_MAX)]
# A signed change of units.
Delta = Annotated[int, Strict(), Field(ge=-INT32_MAX, le=INT32_MAX)]
# A row id (BigAutoField).
RowId = Annotated[int, Strict(), Field(ge=1, le=INT64_MAX)]
# Free text people type (reasons, notes, comments).
Text = Annotated[str, Field(max_length=TEXT_MAX)]
# A short code or name.
Code = Annotated[str, Field(max_length=200)]


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise PydanticCustomError("timezone_naive", "Input should not have timezone info")
    return value


# A local time of day ("08:00"): the site's own clock, so no time zone (one with a zone would
# be compared with local times and fail).
LocalTime = Annotated[time, AfterValidator(_naive_time)]
