"""Path converters shared by the URLconfs."""

from __future__ import annotations

# The largest value of a 64-bit signed primary key, on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1


class IdConverter:
    """A database id: digits within the 64-bit range. Anything larger does not
    match the route, so it is a 404 instead of an overflow in the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is out of range for an id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)
