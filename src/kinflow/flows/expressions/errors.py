"""The one error type of the expression language, for syntax, validation and evaluation alike."""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_$][\w$-]*")


def render_path(path: Path) -> str:
    """`actions.Send_message.inputs.body[0]`: where a value sits in a definition, readable by a person."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif _PLAIN_KEY.fullmatch(step):
            out += f".{step}" if out else step
        else:
            out += "[" + repr(step) + "]"
    return out or "$"


class ExpressionError(Exception):
    """A bad expression or one that cannot be evaluated.

    `position` is the 0-based offset of the offending part within the JSON string that holds the
    expression (None when the whole string is at fault); `path` is where that string sits in the JSON
    value given to `validate` or `evaluate`.
    """

    def __init__(self, message: str, position: int | None = None, path: Path = ()) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.path = path

    def __str__(self) -> str:
        text = self.message
        if self.position is not None:
            text += f" (at character {self.position + 1})"
        if self.path:
            text += f" in {render_path(self.path)}"
        return text

    def at(self, position: int | None) -> ExpressionError:
        """This error, placed at `position` unless it already knows where it happened."""
        if self.position is None:
            self.position = position
        return self

    def within(self, path: Path) -> ExpressionError:
        self.path = path + self.path
        return self
