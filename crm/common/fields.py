"""Field errors: a rule refuses one input field with a stable code and a bilingual message.

Rules that check a whole form collect every ``FieldError`` and raise them together as
``InvalidFields``, so a clerk sees all problems of a paper form at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm.errors import InvalidInput

__all__ = ["FieldError", "InvalidFields"]


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    field: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidFields(InvalidInput):
    """Several field errors at once; code, message and field mirror the first for simple callers."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        if not errors:
            raise ValueError("InvalidFields needs at least one FieldError")
        self.errors: list[FieldError] = list(errors)
        first = self.errors[0]
        super().__init__(first.message, field=first.field, code=first.code)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = dict(super().as_dict())
        result["errors"] = [error.as_dict() for error in self.errors]
        return result
