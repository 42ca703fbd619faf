"""The table of functions: each module of this package registers its functions with `@function`.

Names are matched without regard to case, as the service does (`utcnow()` is `utcNow()`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable
    min_args: int
    max_args: int | None  # None: any number from min_args on
    context: bool  # impl(context, *args): a workflow function reading the running flow
    lazy: bool  # impl receives each argument as a no-argument callable (if, and, or: short-circuit)

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


FUNCTIONS: dict[str, Function] = {}


def function(name: str, min_args: int = 1, max_args: int | None | str = "same", *,
             context: bool = False, lazy: bool = False) -> Callable:
    def register(impl: Callable) -> Callable:
        upper = min_args if max_args == "same" else max_args
        FUNCTIONS[name.lower()] = Function(name, impl, min_args, upper, context, lazy)
        return impl

    return register


def lookup(name: str) -> Function | None:
    return FUNCTIONS.get(name.lower())
