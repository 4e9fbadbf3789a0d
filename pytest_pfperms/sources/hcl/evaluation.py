"""Evaluate HCL expressions to values, with Terraform's semantics and symbols for unknowns.

``evaluate(expr, scope, path=...)`` returns a :data:`~.hcl_values.Value`. Names
come from the :class:`~.hcl_scope.Scope`; anything that depends on a
:class:`~pytest_pfperms.values.Symbol` is a Symbol unless the answer does not
depend on it (``length([var.x, "a"])`` is 2, ``false && var.x`` is false,
``contains(["a", var.x], "a")`` is true). Errors on known values raise
:class:`~.hcl_errors.EvalError` naming ``file:line``, with Terraform's wording.

Not modelled: the list/tuple and map/object type distinctions (``[] == tolist([])``
is true here, false in Terraform), and numbers are exact only as far as Python
ints and decimals of floats reach (``1/3`` prints 16 digits, not Terraform's 154).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from ...errors import LoadError, beyond_limits
from ...limits import LimitExceeded, active_limits, current_budget
from ...values import KeyedObject, PartialList, Repeated, Str, Symbol, derive, eq3, join_pieces
from .evaluation_errors import EvalError, ScopeError, UndeclaredReference
from .file_sandbox import FileSandbox
from .functions.table import (
    FUNCTIONS,
    CallContext,
    Function,
    call_function,
)
from .scopes import (
    ChildScope,
    DictScope,
    GetAttr,
    GetIndex,
    Scope,
    TraversalStep,
)
from .symbols import choice, unsupported
from .syntax_tree import (
    Access,
    AttrStep,
    Binary,
    Call,
    Conditional,
    Expr,
    ForExpr,
    Literal,
    ObjectExpr,
    Parens,
    Reference,
    Splat,
    Step,
    Template,
    TemplateFor,
    TemplateIf,
    TemplatePart,
    TupleExpr,
    Unary,
    references,
    source_text,
)
from .values import (
    ConversionError,
    TfSet,
    Value,
    arithmetic,
    equals,
    render_value,
    sorted_dict,
    to_bool,
    to_number,
    to_string,
    type_name,
)

__all__ = [
    "ChildScope",
    "DictScope",
    "Evaluator",
    "GetAttr",
    "GetIndex",
    "Scope",
    "TraversalStep",
    "evaluate",
]


def evaluate(
    expr: Expr, scope: Scope, *, path: str = "<expression>", files: FileSandbox | None = None
) -> Value:
    """Evaluate ``expr`` (from the file ``path``) in ``scope``.

    ``files`` lets ``file()``, ``fileexists()``, ``fileset()`` and
    ``templatefile()`` read inside one repository; without it they yield symbols.
    """
    return Evaluator(path, files=files).evaluate(expr, scope)


def _certainly_distinct(keys: list[Str]) -> bool:
    """Whether no two of an object's keys can be equal after apply (then no key replaces another)."""
    if len(keys) > 64:
        return False  # a quadratic check; such objects stay wholly unknown
    return all(eq3(left, right) is False for index, left in enumerate(keys) for right in keys[index + 1:])


class Evaluator:
    """Evaluates the expressions of one file; reuse it for many expressions of that file.

    ``hazards`` counts the operations applied to symbols that could still fail
    at apply time; ``try()``/``can()`` use it to tell a symbol that merely
    passed through from one whose success is not yet known.
    """

    def __init__(
        self,
        path: str = "<expression>",
        *,
        files: FileSandbox | None = None,
        functions: dict[str, Function] | None = None,
        in_template_file: bool = False,
    ) -> None:
        self.path = path
        self.files = files
        self.functions = FUNCTIONS if functions is None else functions
        self.in_template_file = in_template_file
        self.hazards = 0
        self._budget = current_budget()
        self._dispatch: dict[type, Callable[[Expr, Scope], Value]] = {
            Literal: self._literal,
            Template: self._template,
            TupleExpr: self._tuple,
            ObjectExpr: self._object,
            Reference: self._reference,
            Access: self._access,
            Splat: self._splat,
            Call: self._call,
            Conditional: self._conditional,
            Unary: self._unary,
            Binary: self._binary,
            ForExpr: self._for,
            Parens: self._parens,
        }

    # ------------------------------------------------------------------ public

    def evaluate(self, expr: Expr, scope: Scope) -> Value:
        """The value of ``expr`` in ``scope``."""
        budget = self._budget
        budget.left -= 1
        if budget.left < 0:
            raise LimitExceeded.at(self.where(expr), "the evaluation", "steps", budget.limit + 1)
        try:
            return self._dispatch[type(expr)](expr, scope)
        except (ValueError, OverflowError) as error:
            limit = beyond_limits(error, self.path, expr.line)  # a number Python cannot hold
            if limit is None:
                raise
            raise limit from None

    def for_file(self, path: str) -> Evaluator:
        """An evaluator for a template file read by ``templatefile()``."""
        return Evaluator(path, files=self.files, functions=self.functions, in_template_file=True)

    def where(self, node: Expr) -> str:
        """``path:line`` of a node of this file."""
        return f"{self.path}:{node.line}"

    def fail(self, node: Expr, message: str) -> EvalError:
        """An EvalError at ``node``."""
        return EvalError.at(self.path, node.line, message)

    def derived(self, key: str, node: Expr, inputs: list[Value], *, hazard: bool = True) -> Symbol:
        """A symbol for ``node`` computed from ``inputs`` (which hold the symbols)."""
        if hazard:
            self.hazards += 1
        return derive(key, inputs, expression=source_text(node), source=self.where(node))

    def opaque_key(self, node: Expr, scope: Scope) -> str:
        """A key for a node we cannot evaluate element by element (a ``for`` over a symbol):
        its source text plus the values of every name it uses."""
        seen: dict[str, str] = {}
        for ref in references(node):
            text = source_text(ref)
            if text in seen:
                continue
            try:
                seen[text] = render_value(self.evaluate(ref, scope))
            except LoadError:
                seen[text] = "<error>"
        bindings = ", ".join(f"{name} = {value}" for name, value in seen.items())
        return source_text(node) + (f" with {bindings}" if bindings else "")

    # ------------------------------------------------------------------ simple nodes

    def _literal(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Literal)
        return node.value

    def _parens(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Parens)
        return self.evaluate(node.expr, scope)

    def _tuple(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, TupleExpr)
        return [self.evaluate(item, scope) for item in node.items]

    def _object(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, ObjectExpr)
        out: dict[str, Value] = {}
        unknown_key: Symbol | None = None
        items: list[tuple[Str, Value]] = []
        for item in node.items:
            key = self.evaluate(item.key, scope)
            value = self.evaluate(item.value, scope)
            if isinstance(key, Symbol):
                unknown_key = key
                items.append((key, value))
                continue
            if key is None:
                raise self.fail(item.key, "Null value as key: Can't use a null value as a key.")
            try:
                text = to_string(key)
            except ConversionError:
                raise self.fail(
                    item.key, f"Incorrect key type: Can't use this value as a key: {type_name(key)}."
                ) from None
            assert isinstance(text, str)
            out[text] = value
            items.append((text, value))
        if unknown_key is not None:
            symbol = self.derived(self.opaque_key(node, scope), node, [unknown_key], hazard=False)
            if _certainly_distinct([key for key, _ in items]):  # later keys never replace earlier
                return KeyedObject(key=symbol.key, expression=symbol.expression, source=symbol.source,
                                   reason=symbol.reason, hint=symbol.hint, items=tuple(items))
            return symbol
        return sorted_dict(out.items())

    # ------------------------------------------------------------------ templates

    def _template(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Template)
        parts = node.parts
        if len(parts) == 1 and isinstance(parts[0], Expr):
            return self.evaluate(parts[0], scope)
        pieces: list[str | Symbol] = []
        self._template_parts(parts, scope, pieces, node)
        size = sum(len(piece) for piece in pieces if isinstance(piece, str))
        if size > active_limits().string_bytes:
            raise LimitExceeded.at(self.where(node), "the string this template makes", "string_bytes", size)
        return join_pieces(pieces, expression=source_text(node), source=self.where(node))

    def _template_parts(
        self, parts: tuple[TemplatePart, ...], scope: Scope, pieces: list[str | Symbol], node: Template
    ) -> None:
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, Expr):
                pieces.append(self._interpolated(self.evaluate(part, scope), part))
            elif isinstance(part, TemplateIf):
                self._template_if(part, scope, pieces, node)
            else:
                self._template_for(part, scope, pieces, node)

    def _interpolated(self, value: Value, node: Expr) -> str | Symbol:
        if isinstance(value, str | Symbol):
            return value
        if value is None:
            raise self.fail(
                node,
                "Invalid template interpolation value: The expression result is null."
                " Cannot include a null value in a string template.",
            )
        if isinstance(value, bool | int | float):
            text = to_string(value)
            assert isinstance(text, str)
            return text
        raise self.fail(
            node,
            "Invalid template interpolation value: Cannot include the given value in a string"
            f" template: string required, but have {type_name(value)}.",
        )

    def _template_if(
        self, part: TemplateIf, scope: Scope, pieces: list[str | Symbol], node: Template
    ) -> None:
        cond = self.evaluate(part.cond, scope)
        if isinstance(cond, Symbol):
            branches: list[str | Symbol] = []
            for branch in (part.then, part.else_):
                sub: list[str | Symbol] = []
                self._template_parts(branch, scope, sub, node)
                branches.append(join_pieces(sub, expression=source_text(node), source=self.where(node)))
            if equals(branches[0], branches[1]) is True:
                pieces.append(branches[0])
            else:
                pieces.append(
                    choice(
                        cond,
                        branches[0],
                        branches[1],
                        expression=source_text(node),
                        source=self.where(node),
                    )
                )
            return
        truth = self._condition(cond, part.cond)
        self._template_parts(part.then if truth else part.else_, scope, pieces, node)

    def _template_for(
        self, part: TemplateFor, scope: Scope, pieces: list[str | Symbol], node: Template
    ) -> None:
        collection = self.evaluate(part.collection, scope)
        if isinstance(collection, Symbol):
            pieces.append(self.derived(self.opaque_key(node, scope), node, [collection]))
            return
        for key, value in self._iterate(collection, part.collection):
            bindings = {part.value_var: value}
            if part.key_var is not None:
                bindings[part.key_var] = key
            self._template_parts(part.body, ChildScope(scope, bindings), pieces, node)

    # ------------------------------------------------------------------ traversals

    def _steps(self, steps: tuple[Step, ...], scope: Scope) -> tuple[TraversalStep, ...]:
        out: list[TraversalStep] = []
        for step in steps:
            if isinstance(step, AttrStep):
                out.append(GetAttr(step.name))
            else:
                out.append(GetIndex(self.evaluate(step.key, scope)))
        return tuple(out)

    def _reference(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Reference)
        steps = self._steps(node.steps, scope) if node.steps else ()
        try:
            value, consumed = scope.resolve(node.root, steps, node)
        except ScopeError as error:
            cls = EvalError if error.dynamic else UndeclaredReference
            raise cls.single(self.path, node.line, error.message) from None
        return self.apply_steps(value, steps[consumed:], node)

    def _access(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Access)
        value = self.evaluate(node.source, scope)
        return self.apply_steps(value, self._steps(node.steps, scope), node)

    def apply_steps(self, value: Value, steps: tuple[TraversalStep, ...], node: Expr) -> Value:
        """Apply attribute and index steps to a value, as Terraform does."""
        for step in steps:
            value = self.apply_step(value, step, node)
        return value

    def apply_step(self, value: Value, step: TraversalStep, node: Expr) -> Value:
        """One ``.name`` or ``[key]`` step."""
        if isinstance(step, GetAttr):
            return self._get_attr(value, step.name, node)
        return self._index(value, step.key, node)

    def _get_attr(self, value: Value, name: str, node: Expr) -> Value:
        if isinstance(value, dict):
            if name in value:
                return value[name]
            raise self.fail(
                node, f'Unsupported attribute: This object does not have an attribute named "{name}".'
            )
        if isinstance(value, Symbol):
            return self.derived(f"{value.key}.{name}", node, [value])
        if value is None:
            raise self.fail(
                node,
                "Attempt to get attribute from null value: This value is null, so it does not"
                " have any attributes.",
            )
        if isinstance(value, list | TfSet):
            raise self.fail(
                node,
                "Unsupported attribute: Can't access attributes on a list of objects. Did you"
                f' mean to access attribute "{name}" for a specific element of the list, or'
                " across all elements of the list?",
            )
        raise self.fail(
            node,
            "Unsupported attribute: Can't access attributes on a primitive-typed value"
            f" ({type_name(value)}).",
        )

    def _index(self, value: Value, key: Value, node: Expr) -> Value:
        if isinstance(value, Symbol):
            return self.derived(f"{value.key}[{render_value(key)}]", node, [value, key])
        if value is None:
            raise self.fail(
                node, "Attempt to index null value: This value is null, so it does not have any indices."
            )
        if isinstance(key, Symbol):
            if isinstance(value, list | dict) and not isinstance(value, TfSet):
                return self.derived(f"{render_value(value)}[{key.key}]", node, [value, key])
            raise self.fail(
                node, f"Invalid index: This value ({type_name(value)}) does not have any indices."
            )
        if key is None:
            raise self.fail(node, "Invalid index: Can't use a null value as an indexing key.")
        if isinstance(value, TfSet):
            raise self.fail(
                node,
                "Invalid index: Elements of a set are identified only by their value and don't"
                " have any separate index or key to select with, so it's only possible to"
                " perform operations across all elements of the set.",
            )
        if isinstance(value, list):
            try:
                number = to_number(key)
            except ConversionError:
                raise self.fail(
                    node,
                    "Invalid index: The given key does not identify an element in this"
                    " collection value: a number is required.",
                ) from None
            assert isinstance(number, int | float)
            if isinstance(number, float) or number < 0 or number >= len(value):
                if not value:
                    detail = "the collection has no elements"
                elif isinstance(number, int) and number >= len(value):
                    detail = "the given index is greater than or equal to the length of the collection"
                else:
                    detail = "the given key must be a non-negative whole number"
                raise self.fail(
                    node,
                    "Invalid index: The given key does not identify an element in this collection"
                    f" value: {detail}.",
                )
            return value[number]
        if isinstance(value, dict):
            try:
                text = to_string(key)
            except ConversionError:
                raise self.fail(node, "Invalid index: A string key is required.") from None
            assert isinstance(text, str)
            if text in value:
                return value[text]
            raise self.fail(
                node,
                "Invalid index: The given key does not identify an element in this collection"
                f" value (no key {render_value(text)}).",
            )
        raise self.fail(node, f"Invalid index: This value ({type_name(value)}) does not have any indices.")

    def _splat(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Splat)
        source = self.evaluate(node.source, scope)
        steps = self._steps(node.steps, scope)
        if isinstance(source, Symbol):
            marker = "[*]" if node.full else ".*"
            rendered = "".join(
                f".{step.name}" if isinstance(step, GetAttr) else f"[{render_value(step.key)}]"
                for step in steps
            )
            return self.derived(f"{source.key}{marker}{rendered}", node, [source])
        if source is None:
            return []
        items = list(source) if isinstance(source, list | TfSet) else [source]
        return [self.apply_steps(item, steps, node) for item in items]

    # ------------------------------------------------------------------ calls

    def _call(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Call)
        name = node.name.removeprefix("core::")
        function = self.functions.get(name)
        context = CallContext(self, scope, node, name)
        if function is not None and function.lazy:
            return call_function(function, context, list(node.args))
        args = [self.evaluate(arg, scope) for arg in node.args]
        if node.expand_final and args:
            last = args.pop()
            if isinstance(last, Symbol):
                return self.derived(
                    f"{name}({', '.join(render_value(a) for a in [*args, last])}...)", node, [*args, last]
                )
            if not isinstance(last, list | TfSet):
                raise self.fail(
                    node.args[-1],
                    "Invalid expanding argument value: The expanding argument (indicated by ...)"
                    f" must be of a tuple, list, or set type, not {type_name(last)}.",
                )
            args.extend(last)
        if function is None:
            key = f"{name}({', '.join(render_value(arg) for arg in args)})"
            if name == "templatefile" and self.in_template_file:
                raise self.fail(
                    node,
                    'Error in function call: Call to function "templatefile" failed: cannot'
                    " recursively call templatefile from inside another template.",
                )
            return unsupported(name, key, expression=source_text(node), source=self.where(node))
        return call_function(function, context, args)

    # ------------------------------------------------------------------ operators

    def _condition(self, value: Value, node: Expr) -> bool:
        if value is None:
            raise self.fail(
                node, "Null condition: The condition value is null. Conditions must either be true or false."
            )
        try:
            truth = to_bool(value)
        except ConversionError:
            raise self.fail(
                node, "Incorrect condition type: The condition expression must be of type bool."
            ) from None
        assert isinstance(truth, bool)
        return truth

    def _quiet(self, expr: Expr, scope: Scope) -> tuple[Value, bool]:
        hazards = self.hazards
        try:
            return self.evaluate(expr, scope), True
        except EvalError:
            return None, False
        finally:
            self.hazards = hazards

    def _conditional(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Conditional)
        cond = self.evaluate(node.cond, scope)
        if isinstance(cond, Symbol):
            then, then_ok = self._quiet(node.then, scope)
            else_, else_ok = self._quiet(node.else_, scope)
            if then_ok and else_ok and equals(then, else_) is True:
                return then
            if not then_ok:
                then = self.derived(f"<error in {source_text(node.then)}>", node.then, [cond], hazard=False)
            if not else_ok:
                else_ = self.derived(
                    f"<error in {source_text(node.else_)}>", node.else_, [cond], hazard=False
                )
            return choice(cond, then, else_, expression=source_text(node), source=self.where(node))
        truth = self._condition(cond, node.cond)
        chosen, other = (node.then, node.else_) if truth else (node.else_, node.then)
        value = self.evaluate(chosen, scope)
        if isinstance(value, bool | int | float):
            other_value, ok = self._quiet(other, scope)
            if ok and isinstance(other_value, str):
                return to_string(value)  # cty unifies string and number/bool to string
        return value

    def _for_repeated(self, node: ForExpr, scope: Scope, collection: Repeated) -> Value:
        """``[for x in C : f(x)]`` over items whose number is unknown, each like a template:
        unknown, but when there is certainly an item and the ``if`` certainly keeps it, the
        list certainly holds ``f(template)`` (a :class:`PartialList`)."""
        opaque = self.derived(self.opaque_key(node, scope), node, [collection])
        if not collection.non_empty:
            return opaque
        bindings: dict[str, Value] = {node.value_var: cast(Value, collection.template)}
        if node.key_var is not None:
            bindings[node.key_var] = Symbol(key=f"{collection.key}.key", source=collection.source,
                                            expression=f"{collection.expression} key",
                                            reason=collection.reason)
        inner = ChildScope(scope, bindings)
        if node.cond is not None:
            keep, ok = self._quiet(node.cond, inner)
            if not ok or keep is not True:
                return opaque
        value, ok = self._quiet(node.value, inner)
        if not ok:
            return opaque
        return PartialList(key=opaque.key, expression=opaque.expression, source=opaque.source,
                           reason=opaque.reason, hint=opaque.hint, never_null=True, known=(value,))

    def _unary(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Unary)
        value = self.evaluate(node.operand, scope)
        if isinstance(value, Symbol):
            return self.derived(f"{node.op}{value.key}", node, [value])
        if node.op == "!":
            if value is None:
                raise self.fail(
                    node, "Invalid operand: Unsuitable value for unary operand: argument must not be null."
                )
            try:
                truth = to_bool(value)
            except ConversionError as error:
                raise self.fail(
                    node, f"Invalid operand: Unsuitable value for unary operand: {error}."
                ) from None
            return not truth
        number = self._number_operand(value, node, "unary")
        return -number if number != 0 else 0

    def _number_operand(self, value: Value, node: Expr, side: str) -> int | float:
        if value is None:
            raise self.fail(
                node, f"Invalid operand: Unsuitable value for {side} operand: argument must not be null."
            )
        try:
            number = to_number(value)
        except ConversionError as error:
            raise self.fail(node, f"Invalid operand: Unsuitable value for {side} operand: {error}.") from None
        assert isinstance(number, int | float)
        return number

    def _bool_operand(self, value: Value, node: Expr, side: str) -> bool | Symbol:
        if isinstance(value, Symbol):
            return value
        if value is None:
            raise self.fail(
                node, f"Invalid operand: Unsuitable value for {side} operand: argument must not be null."
            )
        try:
            truth = to_bool(value)
        except ConversionError as error:
            raise self.fail(node, f"Invalid operand: Unsuitable value for {side} operand: {error}.") from None
        assert isinstance(truth, bool)
        return truth

    def _binary(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, Binary)
        op = node.op
        if op in ("&&", "||"):
            return self._logical(node, scope)
        left = self.evaluate(node.left, scope)
        right = self.evaluate(node.right, scope)
        if op in ("==", "!="):
            result = equals(left, right)
            if result is None:
                return self.derived(
                    f"({render_value(left)} {op} {render_value(right)})", node, [left, right], hazard=False
                )
            return result if op == "==" else not result
        if isinstance(left, Symbol) or isinstance(right, Symbol):
            return self.derived(f"({render_value(left)} {op} {render_value(right)})", node, [left, right])
        a = self._number_operand(left, node, "left")
        b = self._number_operand(right, node, "right")
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        if op == ">=":
            return a >= b
        try:
            return arithmetic(op, a, b)
        except ConversionError as error:
            raise self.fail(node, f"Operation failed: Error during operation: {error}.") from None

    def _logical(self, node: Binary, scope: Scope) -> Value:
        controlling = node.op == "||"  # the value that decides the answer on its own
        left = self._bool_operand(self.evaluate(node.left, scope), node.left, "left")
        if left is controlling:
            return controlling
        try:
            right = self._bool_operand(self.evaluate(node.right, scope), node.right, "right")
        except EvalError:
            if isinstance(left, Symbol):
                return self.derived(f"({left.key} {node.op} <error>)", node, [left], hazard=False)
            raise
        if right is controlling:
            return controlling
        if isinstance(left, Symbol) or isinstance(right, Symbol):
            return self.derived(
                f"({render_value(left)} {node.op} {render_value(right)})", node, [left, right], hazard=False
            )
        return right

    # ------------------------------------------------------------------ for expressions

    def _iterate(self, collection: Value, node: Expr) -> list[tuple[Value, Value]]:
        if collection is None:
            raise self.fail(
                node,
                "Iteration over null value: A null value cannot be used as the collection"
                " in a 'for' expression.",
            )
        if isinstance(collection, TfSet):
            return [(item, item) for item in collection]
        if isinstance(collection, list):
            return list(enumerate(collection))
        if isinstance(collection, dict):
            return [(key, collection[key]) for key in sorted(collection)]
        raise self.fail(
            node,
            f"Iteration over non-iterable value: A value of type {type_name(collection)} cannot be"
            " used as the collection in a 'for' expression.",
        )

    def _for(self, node: Expr, scope: Scope) -> Value:
        assert isinstance(node, ForExpr)
        collection = self.evaluate(node.collection, scope)
        if isinstance(collection, Repeated) and node.key is None:
            return self._for_repeated(node, scope, collection)
        if isinstance(collection, Symbol):
            return self.derived(self.opaque_key(node, scope), node, [collection])
        object_form = node.key is not None
        items: list[Value] = []
        entries: dict[str, Value] = {}
        unknown: list[Value] = []
        for key, value in self._iterate(collection, node.collection):
            bindings = {node.value_var: value}
            if node.key_var is not None:
                bindings[node.key_var] = key
            inner = ChildScope(scope, bindings)
            if node.cond is not None:
                keep = self.evaluate(node.cond, inner)
                if isinstance(keep, Symbol):
                    unknown.append(keep)
                    continue
                if keep is None:
                    raise self.fail(
                        node.cond, "Condition is null: The value of the 'if' clause must not be null."
                    )
                try:
                    truth = to_bool(keep)
                except ConversionError:
                    raise self.fail(
                        node.cond, "Invalid 'for' condition: The 'if' clause value is invalid: bool required."
                    ) from None
                if not truth:
                    continue
            if not object_form:
                items.append(self.evaluate(node.value, inner))
                continue
            assert node.key is not None
            element_key = self.evaluate(node.key, inner)
            element = self.evaluate(node.value, inner)
            if isinstance(element_key, Symbol):
                unknown.append(element_key)
                continue
            if element_key is None:
                raise self.fail(
                    node.key,
                    "Invalid object key: Key expression in 'for' expression must not produce a null value.",
                )
            try:
                text = to_string(element_key)
            except ConversionError:
                raise self.fail(
                    node.key,
                    "Invalid object key: The key expression produced an invalid result: string required.",
                ) from None
            assert isinstance(text, str)
            if node.group:
                group = entries.setdefault(text, [])
                assert isinstance(group, list)
                group.append(element)
            elif text in entries:
                raise self.fail(
                    node,
                    f'Duplicate object key: Two different items produced the key "{text}" in this'
                    " 'for' expression. If duplicates are expected, use the ellipsis (...) after"
                    " the value expression to enable grouping by key.",
                )
            else:
                entries[text] = element
        if unknown:
            return self.derived(self.opaque_key(node, scope), node, unknown, hazard=False)
        if object_form:
            return sorted_dict(entries.items())
        return items
