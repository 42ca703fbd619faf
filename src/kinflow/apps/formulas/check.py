"""A form's formulas checked against its fields, and put in the order they are computed.

kintone refuses, when the form is saved: a syntax error, an unknown field code, a field type that
formulas cannot use, an unknown function or a wrong number of arguments, a list (a table's field
seen from outside its row, a check box's choices) anywhere but in SUM or as CONTAINS's first
argument, and circular references (help article 040497). What it accepts is computed in an order
where every calculated field comes after the calculated fields it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from kinflow.apps.form import Field, Form
from kinflow.apps.formulas import errors
from kinflow.apps.formulas.ast import Call, FieldRef, Node, walk
from kinflow.apps.formulas.errors import FormulaError
from kinflow.apps.formulas.functions import ARITY, LIST_ARGUMENTS
from kinflow.apps.formulas.parser import parse_formula

# Help: "Fields That Can/Cannot Be Referenced in Formulas".
REFERABLE_TYPES = frozenset({
    "NUMBER", "CALC", "DATE", "TIME", "DATETIME", "CREATED_TIME", "UPDATED_TIME", "SINGLE_LINE_TEXT",
    "DROP_DOWN", "RADIO_BUTTON", "CHECK_BOX", "MULTI_SELECT", "CREATOR", "MODIFIER",
})
_CHOICE_LISTS = frozenset({"CHECK_BOX", "MULTI_SELECT"})
# A table's column may be summed (numbers) or searched by CONTAINS (single values).
_SUMMABLE = frozenset({"NUMBER", "CALC"})
_SEARCHABLE = frozenset({"SINGLE_LINE_TEXT", "DROP_DOWN", "RADIO_BUTTON"})


@dataclass(frozen=True)
class Formula:
    field: Field
    tree: Node
    uses: frozenset[str]  # codes of the fields the formula reads

    @property
    def is_text(self) -> bool:
        return self.field.type == "SINGLE_LINE_TEXT"


def is_calculated(field: Field) -> bool:
    """CALC fields, and text fields with a formula (auto-calculation)."""
    expression = field.props.get("expression")
    return field.type == "CALC" or (field.type == "SINGLE_LINE_TEXT" and isinstance(expression, str)
                                    and bool(expression.strip()))


def check_formula(form: Form, field: Field) -> Formula:
    tree = parse_formula(field.props.get("expression") or "")
    allowed_lists: dict[int, str] = {}  # node id -> the function taking it as a list
    uses: set[str] = set()
    for node in walk(tree):
        if isinstance(node, Call):
            _check_call(node)
            which = LIST_ARGUMENTS.get(node.name, -1)
            if which is None:
                allowed_lists.update((id(arg), node.name) for arg in node.args)
            elif which != -1 and node.args:
                allowed_lists[id(node.args[which])] = node.name
        elif isinstance(node, FieldRef):
            target = form.get(node.code)
            if target is None or target.type == "SUBTABLE":
                raise errors.unknown_field(node.code, node.pos)
            if target.type not in REFERABLE_TYPES:
                raise errors.unusable_type(target.type, node.pos)
            uses.add(target.code)
            if _is_list(field, target) and not _list_fits(node, target, field, allowed_lists):
                raise errors.array_misuse(node.pos)
    return Formula(field, tree, frozenset(uses))


def _check_call(node: Call) -> None:
    if node.name not in ARITY:
        raise errors.unknown_function(node.name, node.pos)
    fewest, most = ARITY[node.name]
    if len(node.args) < fewest:
        raise errors.too_few_arguments(node.name, fewest, fewest == most, node.pos)
    if most is not None and len(node.args) > most:
        raise errors.too_many_arguments(node.name, most, node.pos)


def _is_list(owner: Field, target: Field) -> bool:
    outside_row = target.table is not None and target.table != owner.table
    return outside_row or target.type in _CHOICE_LISTS


def _list_fits(node: FieldRef, target: Field, owner: Field, allowed: dict[int, str]) -> bool:
    function = allowed.get(id(node))
    if function == "SUM":
        return target.type in _SUMMABLE
    if function != "CONTAINS":
        return False
    if target.type in _CHOICE_LISTS:
        # A check box of another table's rows would be a list of lists.
        return target.table is None or target.table == owner.table
    return target.type in _SEARCHABLE


@dataclass(frozen=True)
class FormulaPlan:
    """The calculated fields of a form in computing order."""

    formulas: tuple[Formula, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(f.field.code for f in self.formulas)


def plan_formulas(form: Form, *, strict: bool = True) -> FormulaPlan:
    """Every calculated field checked and ordered; `strict=False` leaves out (rather than refuses)
    a formula that no longer checks, so records can still be written."""
    found: dict[str, Formula] = {}
    for field in form.fields.values():
        if not is_calculated(field):
            continue
        try:
            found[field.code] = check_formula(form, field)
        except FormulaError as error:
            if strict:
                raise _labelled(field, error) from None
    return FormulaPlan(tuple(found[code] for code in _order(found, strict)))


def _order(found: dict[str, Formula], strict: bool) -> list[str]:
    """Depth-first topological order; a field on a cycle is refused (or, not strict, left out)."""
    done: list[str] = []
    state: dict[str, str] = {}
    for start in found:
        if start in state:
            continue
        stack = [(start, iter(sorted(found[start].uses & found.keys())))]
        state[start] = "open"
        while stack:
            code, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                state[code] = "done"
                done.append(code)
            elif state.get(following) == "open":
                if strict:
                    raise _labelled(found[following].field, errors.circular())
                cycle = {c for c, _ in stack}
                return [c for c in _order({k: v for k, v in found.items() if k not in cycle}, False)]
            elif following not in state:
                state[following] = "open"
                stack.append((following, iter(sorted(found[following].uses & found.keys()))))
    return done


def rename_reference(expression: str, old: str, new: str) -> str:
    """The formula with every reference to field `old` naming `new` instead (as written, when it
    does not parse)."""
    try:
        tree = parse_formula(expression)
    except FormulaError:
        return expression
    for pos in sorted((n.pos for n in walk(tree) if isinstance(n, FieldRef) and n.code == old), reverse=True):
        expression = expression[:pos] + new + expression[pos + len(old):]
    return expression


class LabelledFormulaError(FormulaError):
    def __init__(self, field: Field, error: FormulaError) -> None:
        super().__init__(error.reason, error.position)
        self.field = field


def _labelled(field: Field, error: FormulaError) -> LabelledFormulaError:
    return LabelledFormulaError(field, error)


