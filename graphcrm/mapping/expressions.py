"""The two small expression languages of a mapping file: arithmetic over columns, and conditions on rows.

Both are parsed with Python's own parser and then only a handful of node types are accepted (no
attribute access, no calls but `col("name")` and three text tests), so nothing else can run. They
are bounded before and after parsing (text length, node count, nesting), so a hostile mapping
file gets a clear error, never a crash or an out-of-memory. Arithmetic is decimal: sums of money
add up exactly and round once.
"""

from __future__ import annotations

import ast
import decimal
from decimal import Decimal
from typing import Any, Callable

from graphcrm.errors import MappingError

__all__ = ["compile_arithmetic", "compile_condition", "number_of", "MAX_LENGTH", "MAX_NODES", "MAX_DEPTH"]

MAX_LENGTH = 1_000
MAX_NODES = 300
MAX_DEPTH = 40

Row = list[str]
#: Resolves a column name to its position in the source's rows (raises MappingError when absent).
Resolve = Callable[[str], int]

_ARITHMETIC = {ast.Add: Decimal.__add__, ast.Sub: Decimal.__sub__, ast.Mult: Decimal.__mul__, ast.Div: Decimal.__truediv__}
_TEXT_TESTS = {"contains": lambda a, b: b in a, "startswith": str.startswith, "endswith": str.endswith}


def number_of(text: str, what: str) -> Decimal:
    """A cell as a finite decimal number (ValueError naming `what` otherwise)."""
    try:
        value = Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(f"{what}: {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{what}: {text!r} is not a finite number")
    return value


def _parse(text: str, where: str) -> ast.AST:
    if not isinstance(text, str):
        raise MappingError(f"{where}: expected an expression in a string")
    if len(text) > MAX_LENGTH:
        raise MappingError(f"{where}: the expression is {len(text):,} characters long; at most {MAX_LENGTH:,}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise MappingError(f"{where}: {text[:80]!r} is not a valid expression") from None
    count, stack = 0, [(tree, 1)]
    while stack:                                # iterative: a deep tree must not exhaust Python's stack
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise MappingError(f"{where}: the expression has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise MappingError(f"{where}: the expression is nested more than {MAX_DEPTH} deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def _column_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "col" and not node.keywords
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def _arithmetic(node: ast.AST, text: str, where: str, resolve: Resolve) -> Callable[[Row], Decimal]:
    """A closure computing `node` on a row; empty cells count 0."""
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        op = _ARITHMETIC[type(node.op)]
        left, right = (_arithmetic(n, text, where, resolve) for n in (node.left, node.right))
        return lambda row: op(left(row), right(row))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _arithmetic(node.operand, text, where, resolve)
        return (lambda row: -operand(row)) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        constant = Decimal(str(node.value))
        return lambda row: constant
    name = _column_name(node)
    if name is not None:
        position = resolve(name)

        def cell(row: Row) -> Decimal:
            value = row[position]
            return number_of(value, name) if value else Decimal(0)
        return cell
    raise MappingError(f"{where}: expression {text!r} may use only numbers, column names and + - * /")


def compile_arithmetic(text: str, where: str, resolve: Resolve) -> Callable[[Row], Decimal]:
    """Compile `text` (numbers, columns, + - * / and parentheses) into a function of a row.

    The function raises ValueError with a readable reason for a non-number cell or a division by zero.
    """
    compute = _arithmetic(_parse(text, where), text, where, resolve)

    def run(row: Row) -> Decimal:
        try:
            return compute(row)
        except decimal.DivisionByZero:
            raise ValueError(f"division by zero in {text!r}") from None
        except decimal.DecimalException as exc:
            raise ValueError(f"{text!r} cannot be computed ({type(exc).__name__})") from None
    return run


# --- conditions ----------------------------------------------------------------------------------
def _operand(node: ast.AST, text: str, where: str, resolve: Resolve) -> tuple[str, Any]:
    """('text', fn), ('number', fn) or ('list', values) for one side of a comparison."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        constant = node.value
        return "text", lambda row: constant
    if isinstance(node, (ast.Tuple, ast.List)):
        values = [n.value for n in node.elts if isinstance(n, ast.Constant)]
        if len(values) != len(node.elts) or not all(type(v) in (str, int, float) for v in values):
            raise MappingError(f"{where}: a list in {text!r} may hold only strings and numbers")
        return "list", values
    name = _column_name(node)
    if name is not None:
        position = resolve(name)
        return "text", lambda row: row[position]
    return "number", _arithmetic(node, text, where, resolve)


_ORDER = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
          ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


def _comparison(op: ast.cmpop, left: tuple[str, Any], right: tuple[str, Any], text: str, where: str):
    (lkind, lfn), (rkind, rfn) = left, right
    if isinstance(op, (ast.In, ast.NotIn)):
        if rkind != "list" or lkind == "list":
            raise MappingError(f"{where}: 'in' needs a list on its right in {text!r}")
        numeric = any(type(v) is not str for v in rfn)
        members = {Decimal(str(v)) for v in rfn} if numeric else set(rfn)
        negate = isinstance(op, ast.NotIn)

        def member(row):
            value = lfn(row)
            if numeric:
                if value == "":
                    return False
                value = number_of(value, "value") if isinstance(value, str) else value
            return (value in members) != negate
        return member
    if type(op) not in _ORDER or "list" in (lkind, rkind):
        raise MappingError(f"{where}: unsupported comparison in {text!r}")
    compare = _ORDER[type(op)]
    if "number" in (lkind, rkind):
        def numeric_compare(row):
            a, b = lfn(row), rfn(row)
            if a == "" or b == "":          # an empty cell is no number: the comparison is false
                return False
            a = number_of(a, "value") if isinstance(a, str) else a
            b = number_of(b, "value") if isinstance(b, str) else b
            return compare(a, b)
        return numeric_compare
    if isinstance(op, (ast.Eq, ast.NotEq)):
        return lambda row: compare(lfn(row), rfn(row))

    def ordered(row):                    # two texts: as numbers when both are, else as text (ISO dates sort)
        a, b = lfn(row), rfn(row)
        try:
            return compare(Decimal(a), Decimal(b))
        except decimal.InvalidOperation:
            return compare(a, b)
    return ordered


def _condition(node: ast.AST, text: str, where: str, resolve: Resolve) -> Callable[[Row], bool]:
    if isinstance(node, ast.BoolOp):
        parts = [_condition(v, text, where, resolve) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _condition(node.operand, text, where, resolve)
        return lambda row: not inner(row)
    if isinstance(node, ast.Compare):
        sides = [_operand(n, text, where, resolve) for n in [node.left, *node.comparators]]
        tests = [_comparison(op, sides[i], sides[i + 1], text, where) for i, op in enumerate(node.ops)]
        return tests[0] if len(tests) == 1 else (lambda row: all(t(row) for t in tests))
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        constant = node.value
        return lambda row: constant
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _TEXT_TESTS
            and len(node.args) == 2 and not node.keywords):
        test = _TEXT_TESTS[node.func.id]
        (akind, a), (bkind, b) = (_operand(n, text, where, resolve) for n in node.args)
        if "text" != akind or "text" != bkind:
            raise MappingError(f"{where}: {node.func.id}() compares two texts in {text!r}")
        return lambda row: test(a(row), b(row))
    name = _column_name(node)
    if name is not None:                 # a bare column: true when it is not empty
        position = resolve(name)
        return lambda row: row[position] != ""
    raise MappingError(f"{where}: {text!r} is not a condition (use comparisons, in, and, or, not, "
                       f"contains/startswith/endswith, col(\"name\"))")


def compile_condition(text: str, where: str, resolve: Resolve) -> Callable[[Row], bool]:
    """Compile a condition on a row; the function raises ValueError with a reason for a bad number."""
    test = _condition(_parse(text, where), text, where, resolve)

    def run(row: Row) -> bool:
        try:
            return test(row)
        except decimal.DivisionByZero:
            raise ValueError(f"division by zero in {text!r}") from None
        except decimal.DecimalException as exc:
            raise ValueError(f"{text!r} cannot be computed ({type(exc).__name__})") from None
    return run
