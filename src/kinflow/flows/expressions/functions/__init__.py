"""The workflow language's functions, one module per group of the function reference."""

from kinflow.flows.expressions.functions import (  # noqa: F401  (importing a module registers its functions)
    collections,
    conversion,
    dates,
    logic,
    math,
    objects,
    strings,
    uris,
    workflow,
)
from kinflow.flows.expressions.functions.registry import FUNCTIONS, Function, lookup

__all__ = ["FUNCTIONS", "Function", "lookup"]
