"""Evaluate a Terraform configuration: module instances as scopes over their declarations.

:class:`ModuleInstance` implements the evaluator's ``Scope``: ``var``, ``local``,
``module``, ``data``, resources, ``path`` and ``terraform``, evaluated lazily and
memoised, so only what is referenced is computed and a cycle is reported rather than
followed. Resources and modules with ``count`` or ``for_each`` expand into instances
addressed as Terraform addresses them (``kubernetes_role.x[0]``,
``module.m["k"].kubernetes_role.y``).

Values known only after apply are symbols (DESIGN idea 3): an unset input
(``var.namespace``), a computed attribute (``random_id.x.hex``, ``aws_iam_role.x.arn``),
a module that is not on disk. Each names where it comes from.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import LoadError, Problem
from ...limits import LimitExceeded, active_limits
from ...values import PartialList, Repeated, Symbol, derive
from ..hcl.evaluation import (
    ChildScope,
    Evaluator,
    GetAttr,
    GetIndex,
    Scope,
    TraversalStep,
)
from ..hcl.evaluation_errors import ScopeError
from ..hcl.syntax_tree import (
    Attribute,
    Block,
    Body,
    Expr,
    Reference,
    source_text,
)
from ..hcl.type_constraints import TypeConstraintError, convert, parse_type
from ..hcl.values import TfSet, Value
from .configuration import Declared, ModuleConfig, read_module
from .data_sources import (
    cluster_subnet_ids,
    cluster_tag_filter,
    has_symbol,
    is_cluster_subnet,
    render_vault_policy_document,
)
from .evaluation_cache import Recorder, RecordingSandbox
from .module_sources import (
    META_ARGUMENTS,
    ProfiledModule,
    module_directory,
    module_source_text,
    profiled_module,
)
from .panfactum_profiles import ProfileResult
from .providers.computed_names import fill_generated_names, forget_null_arguments


class ResourceObject(dict[str, Any]):
    """An evaluated resource (or nested block): its arguments, plus computed attributes
    as symbols on demand (``aws_iam_role.x.arn`` is known only after apply)."""

    def __init__(self, address: str, where: str, values: Mapping[str, Any]):
        super().__init__(values)
        self.address = address
        self.where = where

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __missing__(self, key: str) -> Symbol:
        return computed_symbol(f"{self.address}.{key}", self.where)


class _InProgress(Exception):
    """A module call's input needs what is being evaluated already: the call's own outputs,
    or a resource or local that itself reads the call's outputs. The input is deferred."""

    def __init__(self, address: str):
        super().__init__(address)
        self.address = address


def _self_referring_input(address: str, name: str, where: str) -> Symbol:
    """What a deferred input is while the outputs it reads are computed: unknown, so no
    output that depends on it can come out definite (that would be a cycle in Terraform)."""
    key = f"{address}.input.{name}"
    return Symbol(key=key, expression=key, source=where,
                  reason="an input of the module call that reads the call's own outputs")


def computed_symbol(key: str, where: str) -> Symbol:
    """A computed attribute: known only after apply."""
    return Symbol(key=key, expression=key, source=where,
                  reason="a computed attribute, known only after terraform apply")


def certainly_non_empty(value: object) -> bool:
    """Whether an unknown collection certainly has an item (a list known to hold some)."""
    return (isinstance(value, PartialList) and bool(value.known)) or \
        (isinstance(value, Repeated) and value.non_empty)


def _address_key(key: Value) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    if isinstance(key, Symbol):
        return f"[{key}]"
    return "[" + json.dumps(key) + "]"


@dataclass
class Instance:
    """One instance of a resource, data source or module call: its address and key."""

    address: str
    key: Value  # None (no count/for_each), an int (count) or a string (for_each)
    each: Value = None  # each.value
    condition: Symbol | None = None  # set when whether it exists is unknown

    def bindings(self, mode: str) -> dict[str, Value]:
        """The ``count``/``each`` names visible inside its body."""
        if mode == "count":
            return {"count": {"index": self.key}}
        if mode == "for_each":
            return {"each": {"key": self.key, "value": self.each}}
        return {}


@dataclass
class Expansion:
    """The instances of one declaration; ``mode`` is single, count or for_each."""

    mode: str
    instances: list[Instance]
    unknown: Symbol | None = None
    """The ``count`` or ``for_each`` value when it is unknown before apply: the one instance
    stands for however many there will be, so the whole collection is a symbol."""

    def collection_symbol(self, address: str, where: str) -> Symbol | None:
        """``address`` as a whole (``length()``, ``for``, splats) when its instances are unknown."""
        if self.unknown is None:
            return None
        return derive(address, [self.unknown], expression=address, source=where)


@dataclass
class TerraformContext:
    """What every module instance of one load shares."""

    repo_root: Path
    root_dir: Path
    variables: Mapping[str, Any]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    installed: dict[str, Path] = field(default_factory=dict)
    configs: dict[Path, ModuleConfig] = field(default_factory=dict)
    policy_documents: dict[str, Any] = field(default_factory=dict)
    profiled: list[tuple[Symbol | None, str, ProfileResult, str]] = field(default_factory=list)
    recorder: Recorder = field(default_factory=Recorder)
    _real_directories: dict[Path, Path] = field(default_factory=dict, repr=False)

    def config(self, directory: Path) -> ModuleConfig:
        """A module directory's declarations, read once."""
        real = self.real_directory(directory)
        if real not in self.configs:
            self.configs[real] = read_module(real, self.problems, self.recorder, bound=self.repo_root)
        return self.configs[real]

    def real_directory(self, directory: Path) -> Path:
        """``directory`` resolved (links and ``..``), once per load."""
        real = self._real_directories.get(directory)
        if real is None:
            real = self._real_directories[directory] = directory.resolve()
        return real

    @functools.cached_property
    def sandbox(self) -> RecordingSandbox:
        """What ``file()`` and its kin read through: the repository, relative to the root module
        (one for the whole load: Terraform resolves every module's relative paths the same way)."""
        return RecordingSandbox(self.repo_root, self.root_dir, self.recorder)

    def warn(self, where: str, message: str) -> None:
        """Record something the model leaves out or cannot know (shown in the run summary)."""
        path, _, line = where.rpartition(":")
        if path and line.isdigit():
            self.warnings.append(Problem(path, int(line), message))
        else:
            self.warnings.append(Problem(where, None, message))


class ModuleInstance:
    """One instance of a module: the scope its expressions are evaluated in."""

    def __init__(self, ctx: TerraformContext, config: ModuleConfig, address: str, *,
                 parent: ModuleInstance | None = None, call: Declared | None = None,
                 call_scope: Scope | None = None, key_path: str = "",
                 condition: Symbol | None = None):
        self.ctx = ctx
        self.condition = condition  # why this module instance may not exist, if it may not
        self.config = config
        self.address = address
        self.parent = parent
        self.call = call
        self.call_scope = call_scope
        self.key_path = key_path  # "a.b" as in modules.json
        self._evaluators: dict[str, Evaluator] = {}
        self._values: dict[str, Value] = {}
        self._busy: dict[str, int] = {}  # what is being evaluated -> when it started
        self._clock = 0
        self._expansions: dict[str, Expansion] = {}
        self._objects: dict[str, ResourceObject] = {}
        self._children: dict[str, Any] = {}
        self._making: dict[str, int] = {}  # module calls whose inputs are being evaluated
        self._provisional: dict[str, Any] = {}  # their stand-ins while inputs refer back

    # -- helpers ---------------------------------------------------------------------------

    def prefix(self) -> str:
        """The address prefix of what this module declares (``""`` at the root)."""
        return f"{self.address}." if self.address else ""

    def evaluator(self, declared: Declared) -> Evaluator:
        """The evaluator for expressions of one file of this module."""
        path = declared.file.path
        evaluator = self._evaluators.get(path)
        if evaluator is None:
            evaluator = Evaluator(path, files=self.ctx.sandbox)
            self._evaluators[path] = evaluator
        return evaluator

    def eval(self, expr: Expr, declared: Declared, scope: Scope | None = None) -> Value:
        """Evaluate an expression written in ``declared``'s file."""
        return self.evaluator(declared).evaluate(expr, scope or self)

    def _memo(self, key: str, compute: Callable[[], Value]) -> Value:
        if key in self._values:
            return self._values[key]
        self._enter(key, f"{self.prefix()}{key}")
        try:
            value = compute()
        finally:
            self._busy.pop(key, None)
        self._values[key] = value
        return value

    def _enter(self, key: str, shown: str) -> None:
        """Mark ``key`` as being evaluated. Met again while busy, it is a cycle, unless it
        was started before a module call whose inputs are being evaluated now: then the
        module call's input waits (:class:`_InProgress`), as Terraform orders by output."""
        started = self._busy.get(key)
        if started is not None:
            if any(started < making for making in self._making.values()):
                raise _InProgress(key)
            raise ScopeError(f"{shown} refers to itself (a cycle)")
        self._clock += 1
        self._busy[key] = self._clock

    # -- Scope -----------------------------------------------------------------------------

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        """Resolve ``root`` and as many steps as this module owns."""
        if root == "var":
            return self.variable(self._name(root, steps)), 1
        if root == "local":
            return self.local(self._name(root, steps)), 1
        if root == "module":
            return self.module_value(self._name(root, steps), steps[1:])
        if root == "data":
            if len(steps) < 2 or not isinstance(steps[0], GetAttr) or not isinstance(steps[1], GetAttr):
                raise ScopeError('a data source reference needs a type and a name: "data.TYPE.NAME"')
            value, consumed = self.resource_value("data", steps[0].name, steps[1].name, steps[2:])
            return value, consumed + 2
        if root == "path":
            return self.path_value(self._name(root, steps)), 1
        if root == "terraform":
            name = self._name(root, steps)
            if name == "workspace":
                return "default", 1
            raise ScopeError(f'unsupported "terraform.{name}"')
        if root in ("each", "count", "self"):
            raise ScopeError(f'"{root}" is only available inside a block that sets it')
        if root in ("resource", "ephemeral"):
            raise ScopeError(f'"{root}." references are not supported')
        if not steps or not isinstance(steps[0], GetAttr):
            raise ScopeError(f'a resource reference needs a name: "{root}.NAME"')
        value, consumed = self.resource_value("resource", root, steps[0].name, steps[1:])
        return value, consumed + 1

    @staticmethod
    def _name(root: str, steps: tuple[TraversalStep, ...]) -> str:
        if not steps or not isinstance(steps[0], GetAttr):
            raise ScopeError(f'"{root}" must be followed by an attribute name, as in "{root}.NAME"')
        return steps[0].name

    # -- var, local, path --------------------------------------------------------------------

    def variable(self, name: str) -> Value:
        """An input variable's value (or a symbol naming why it has none)."""
        declared = self.config.variables.get(name)
        if declared is None:
            raise ScopeError(f'undeclared input variable "{name}": add a variable "{name}" block')
        return self._memo(f"var.{name}", lambda: self._variable(name, declared))

    def _variable(self, name: str, declared: Declared) -> Value:
        value = self._raw_variable(name, declared)
        block = declared.node
        assert isinstance(block, Block)
        type_attr = block.body.attributes.get("type")
        if type_attr is None:
            return value
        try:
            return convert(value, parse_type(type_attr.expr),
                           lambda expr: self.eval(expr, declared, _EMPTY_SCOPE))
        except TypeConstraintError as error:
            where = self.call.where if self.call is not None else declared.where
            raise LoadError.single(where.rpartition(":")[0], int(where.rpartition(":")[2]),
                                   f"{self.prefix()}var.{name}: invalid value for this variable: "
                                   f"{error}") from None

    def _raw_variable(self, name: str, declared: Declared) -> Value:
        given, value = self._argument_variable(name, declared)
        if given and not (value is None and not self._nullable(declared)):
            return value
        block = declared.node
        assert isinstance(block, Block)
        default = block.body.attributes.get("default")
        if default is not None:
            return self.eval(default.expr, declared, _EMPTY_SCOPE)
        if given:  # null given to a variable with nullable = false and no default
            where = self.call.where if self.call is not None else declared.where
            raise LoadError.single(where.rpartition(":")[0], int(where.rpartition(":")[2]),
                                   f"{self.prefix()}var.{name}: the given value is null, but the variable "
                                   "is declared with nullable = false and has no default")
        if self.parent is None:
            return Symbol(key=f"var.{name}", expression=f"var.{name}", source=declared.where,
                          reason=f"input variable {name} has no value",
                          hint=f"supply it with --pfperms-var {name}=... (pfperms: --var {name}=...) "
                               "or a tfvars file",
                          never_null=not self._nullable(declared))
        assert self.call is not None
        return Symbol(key=f"{self.prefix()}var.{name}", expression=f"{self.address}: {name}",
                      source=self.call.where, reason=f"required input {name} is not set in {self.address}",
                      hint=f"set {name} in the module call at {self.call.where}")

    def _nullable(self, declared: Declared) -> bool:
        """``nullable`` of a variable block (true unless it says ``nullable = false``)."""
        block = declared.node
        assert isinstance(block, Block)
        attribute = block.body.attributes.get("nullable")
        return attribute is None or self.eval(attribute.expr, declared, _EMPTY_SCOPE) is not False

    def _argument_variable(self, name: str, declared: Declared) -> tuple[bool, Value]:
        """(True, the value given for a variable: call argument, -var, tfvars), or (False, None)."""
        if self.parent is None:
            if name in self.ctx.variables:
                return True, self._given_variable(name, declared, self.ctx.variables[name])
        elif self.call is not None and self.call_scope is not None:
            call_block = self.call.node
            assert isinstance(call_block, Block)
            argument = call_block.body.attributes.get(name)
            if argument is not None:
                assert self.parent is not None
                return True, self.parent.eval(argument.expr, self.call, self.call_scope)
        return False, None

    def _given_variable(self, name: str, declared: Declared, value: Any) -> Value:
        """A value from the command line, a tfvars file or TF_VAR_: strings of non-string
        variables are read as HCL, as Terraform reads ``-var``."""
        if isinstance(value, str):
            block = declared.node
            assert isinstance(block, Block)
            type_attr = block.body.attributes.get("type")
            if type_attr is not None and source_text(type_attr.expr) != "string":
                from ..hcl.native_syntax import parse_expression

                try:
                    return self.eval(parse_expression(value, f"<variable {name}>"), declared, _EMPTY_SCOPE)
                except LoadError:
                    return value
        return value  # type: ignore[no-any-return]

    def local(self, name: str) -> Value:
        """A local value."""
        declared = self.config.locals.get(name)
        if declared is None:
            raise ScopeError(f'undeclared local value "{name}": add it to a locals block')
        attribute = declared.node
        assert isinstance(attribute, Attribute)
        return self._memo(f"local.{name}", lambda: self.eval(attribute.expr, declared))

    def path_value(self, name: str) -> Value:
        """``path.module``, ``path.root`` and ``path.cwd``, relative to the root module (as Terraform)."""
        if name == "module":
            relative = os.path.relpath(self.config.directory, self.ctx.root_dir)
            return "." if relative == "." else relative
        if name in ("root", "cwd"):
            return "."
        raise ScopeError(f'unknown "path.{name}": use path.module, path.root or path.cwd')

    # -- expansion ---------------------------------------------------------------------------

    def expansion(self, kind: str, declared: Declared, address: str) -> Expansion:
        """The instances ``count`` or ``for_each`` make of a declaration (memoised)."""
        if address in self._expansions:
            return self._expansions[address]
        block = declared.node
        assert isinstance(block, Block)
        count = block.body.attributes.get("count")
        for_each = block.body.attributes.get("for_each")
        if count is not None:
            value = self.eval(count.expr, declared)
            expansion = self._count_expansion(address, value, declared)
        elif for_each is not None:
            value = self.eval(for_each.expr, declared)
            expansion = self._for_each_expansion(address, value, declared)
        else:
            expansion = Expansion("single", [Instance(address, None)])
        self._expansions[address] = expansion
        return expansion

    def _count_expansion(self, address: str, value: Value, declared: Declared) -> Expansion:
        if isinstance(value, Symbol):
            index = Symbol(key=f"{address}.count.index", expression="count.index", source=declared.where,
                           reason=f"count of {address} depends on {value.key}")
            return Expansion("count", [Instance(f"{address}[{index}]", index, condition=value)], value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (isinstance(value, float) and not math.isfinite(value)) \
                or value < 0 or value != int(value):
            raise LoadError.single(declared.file.path, declared.node.line,
                                   f"{address}: count must be a whole number >= 0, got {value!r}")
        if value > active_limits().instances:
            raise LimitExceeded.at(declared.where, f"{address}: count", "instances", int(value))
        return Expansion("count", [Instance(f"{address}[{i}]", i) for i in range(int(value))])

    def _for_each_expansion(self, address: str, value: Value, declared: Declared) -> Expansion:
        if isinstance(value, Symbol):
            unknown_key = dataclasses.replace(  # derived: its roots are the collection's
                derive(f"{address}.each.key", [value], expression="each.key", source=declared.where),
                reason=f"the keys of {address} depend on {value.key}")
            unknown_each = Symbol(key=f"{address}.each.value", expression="each.value",
                                  source=declared.where,
                                  reason=f"the values of {address} depend on {value.key}")
            return Expansion("for_each", [Instance(f"{address}[{unknown_key}]", unknown_key, unknown_each,
                                                   condition=value)], value)
        items: list[tuple[Value, Value]]
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, TfSet):
            items = [(item, item) for item in value]
        else:
            raise LoadError.single(declared.file.path, declared.node.line,
                                   f"{address}: for_each needs a map or a set of strings, got "
                                   f"{type(value).__name__} (wrap a list in toset())")
        if len(items) > active_limits().instances:
            raise LimitExceeded.at(declared.where, f"{address}: for_each", "instances", len(items))
        instances = []
        for key, each in items:
            if isinstance(key, Symbol):
                instances.append(Instance(f"{address}[{key}]", key, each, condition=key))
            else:
                instances.append(Instance(f"{address}{_address_key(key)}", key, each))
        return Expansion("for_each", instances)

    # -- resources and data sources -----------------------------------------------------------

    def resource_value(self, mode: str, type_name: str, name: str,
                       steps: tuple[TraversalStep, ...]) -> tuple[Value, int]:
        """A resource or data source reference: the instance object(s), and steps consumed."""
        table = self.config.resources if mode == "resource" else self.config.data
        declared = table.get((type_name, name))
        label = f"{'data.' if mode == 'data' else ''}{type_name}.{name}"
        if declared is None:
            raise ScopeError(f'reference to undeclared {"data source" if mode == "data" else "resource"} '
                             f'"{label}"')
        address = self.prefix() + label
        expansion = self.expansion(mode, declared, address)
        if expansion.mode == "single":
            return self.instance_object(mode, type_name, declared, expansion.instances[0], expansion.mode), 0
        if steps and isinstance(steps[0], GetIndex):
            key = steps[0].key
            for instance in expansion.instances:
                if instance.key == key and type(instance.key) is type(key):
                    return self.instance_object(mode, type_name, declared, instance, expansion.mode), 1
                if isinstance(instance.key, Symbol) or isinstance(key, Symbol):
                    return computed_symbol(f"{address}{_address_key(key)}", declared.where), 1
            raise ScopeError(f"{address} has no instance {_address_key(key)}", dynamic=True)
        whole = expansion.collection_symbol(address, declared.where)
        if whole is not None:  # however many instances there will be, each like this one
            template = self.instance_object(mode, type_name, declared, expansion.instances[0],
                                            expansion.mode)
            return Repeated(key=whole.key, expression=whole.expression, source=whole.source,
                            reason=whole.reason, hint=whole.hint, template=template,
                            non_empty=certainly_non_empty(expansion.unknown)), 0
        objects: list[Value] = [self.instance_object(mode, type_name, declared, i, expansion.mode)
                                for i in expansion.instances]
        if expansion.mode == "count":
            return objects, 0
        return {str(i.key): o for i, o in zip(expansion.instances, objects, strict=True)}, 0

    def instance_object(self, mode: str, type_name: str, declared: Declared, instance: Instance,
                        expansion_mode: str) -> ResourceObject:
        """The evaluated body of one instance (memoised), with data-source results added."""
        cached = self._objects.get(instance.address)
        if cached is not None:
            return cached
        self._enter(instance.address, instance.address)
        try:
            block = declared.node
            assert isinstance(block, Block)
            scope = self.instance_scope(instance, expansion_mode)
            values = self.evaluate_body(block.body, declared, scope, skip=META_ARGUMENTS,
                                        address=instance.address)
            obj = ResourceObject(instance.address, declared.where, values)
            if mode == "data":
                self._data_results(type_name, declared, obj)
            else:
                fill_generated_names(type_name, obj, instance.address, declared.where)
            forget_null_arguments(mode, type_name, obj)
            if mode != "data" and type_name == "random_id":
                obj["hex"] = random_hex_symbol(instance.address, obj, declared.where)
                obj["id"] = computed_symbol(f"{instance.address}.id", declared.where)
        finally:
            self._busy.pop(instance.address, None)
        self._objects[instance.address] = obj
        return obj

    def instance_attributes(self, declared: Declared, instance: Instance, expansion_mode: str,
                            names: Iterable[str]) -> dict[str, Any]:
        """Just these top-level arguments of one resource instance, evaluated (the whole
        body when something already evaluated it); the rest of the body is not evaluated."""
        cached = self._objects.get(instance.address)
        if cached is not None:
            return {name: cached[name] for name in names if dict.__contains__(cached, name)}
        block = declared.node
        assert isinstance(block, Block)
        scope = self.instance_scope(instance, expansion_mode)
        values: dict[str, Any] = {}
        for name in names:
            attribute = block.body.attributes.get(name)
            if attribute is not None:
                values[name] = self.eval(attribute.expr, declared, scope)
        return values

    def instance_scope(self, instance: Instance, mode: str) -> Scope:
        """The scope inside an instance's body: this module plus count/each."""
        bindings = instance.bindings(mode)
        return ChildScope(self, bindings) if bindings else self

    def evaluate_body(self, body: Body, declared: Declared, scope: Scope,
                      skip: frozenset[str] = frozenset(), address: str | None = None) -> dict[str, Any]:
        """Attributes evaluated, nested blocks as lists of dicts (dynamic blocks expanded in place).

        With ``address``, nested blocks are :class:`ResourceObject` s too, so that computed
        attributes inside them (``metadata[0].uid``) are symbols rather than errors.
        """
        values: dict[str, Any] = {}
        for name, attribute in body.attributes.items():
            if name in skip:
                continue
            values[name] = self.eval(attribute.expr, declared, scope)
        for block in body.blocks:
            if block.type in skip:
                continue
            if block.type == "dynamic" and block.labels:
                values.setdefault(block.labels[0], []).extend(self._dynamic(block, declared, scope))
            else:
                values.setdefault(block.type, []).append(self.evaluate_body(block.body, declared, scope))
        if address is not None:
            for name, value in values.items():
                if isinstance(value, list) and any(b.type == name or b.labels[:1] == (name,)
                                                   for b in body.blocks):
                    values[name] = [ResourceObject(f"{address}.{name}[{index}]", declared.where, item)
                                    if isinstance(item, dict) and not isinstance(item, ResourceObject)
                                    else item for index, item in enumerate(value)]
        return values

    def _dynamic(self, block: Block, declared: Declared, scope: Scope) -> list[Any]:
        """Expand ``dynamic "name" { for_each, iterator, content {} }``."""
        label = block.labels[0]
        for_each = block.body.attributes.get("for_each")
        if for_each is None:
            raise LoadError.single(declared.file.path, block.line, f'dynamic "{label}" needs for_each')
        iterator_attr = block.body.attributes.get("iterator")
        iterator = label
        if iterator_attr is not None:
            iterator = source_text(iterator_attr.expr).strip('"')
        contents = [b for b in block.body.blocks if b.type == "content"]
        if len(contents) != 1:
            raise LoadError.single(declared.file.path, block.line,
                                   f'dynamic "{label}" needs exactly one content block')
        collection = self.eval(for_each.expr, declared, scope)
        if isinstance(collection, Symbol):
            unknown_key = Symbol(key=f"{collection.key}.key", expression=f"{iterator}.key",
                         source=f"{declared.file.path}:{block.line}",
                         reason=f'the items of dynamic "{label}" depend on {collection.key}')
            unknown_value = Symbol(key=f"{collection.key}.value", expression=f"{iterator}.value",
                                   source=f"{declared.file.path}:{block.line}", reason=unknown_key.reason)
            inner = ChildScope(scope, {iterator: {"key": unknown_key, "value": unknown_value}})
            item = self.evaluate_body(contents[0].body, declared, inner)
            return [UnknownBlock(item, collection)]
        pairs: list[tuple[Value, Value]]
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, list):
            pairs = [(index, item) for index, item in enumerate(collection)]
        elif isinstance(collection, TfSet):
            pairs = [(item, item) for item in collection]
        else:
            raise LoadError.single(declared.file.path, block.line,
                                   f'dynamic "{label}": for_each needs a collection, got {collection!r}')
        results = []
        for key, value in pairs:
            inner = ChildScope(scope, {iterator: {"key": key, "value": value}})
            results.append(self.evaluate_body(contents[0].body, declared, inner))
        return results

    def _data_results(self, type_name: str, declared: Declared, obj: ResourceObject) -> None:
        """The attributes a data source computes that pfperms knows how to compute."""
        if type_name == "aws_iam_policy_document":
            from .providers.aws_iam_policy_document import render_policy_document

            try:
                rendered = render_policy_document(dict(obj), name=obj.address, source=obj.where)
            except LoadError as error:
                self.ctx.problems.extend(error.problems)
                return
            key = f"{obj.address}.json"
            self.ctx.policy_documents[key] = rendered
            obj["rendered"] = rendered
            if has_symbol(rendered):
                obj["json"] = Symbol(key=key, expression=key, source=obj.where,
                                     reason="a policy document holding values known only after apply")
            else:
                obj["json"] = json.dumps(rendered, indent=2)
                obj["minified_json"] = json.dumps(rendered, separators=(",", ":"))
        elif type_name == "aws_eks_cluster" and not dict.__contains__(obj, "identity"):
            # the cluster's issuer is the one IRSA questions are about (named by
            # pfperms_aws_oidc_provider, or a symbol), as the Panfactum profiles have it
            from ...aws.cluster import CLUSTER_OIDC_ISSUER_URL

            obj["identity"] = [{"oidc": [{"issuer": CLUSTER_OIDC_ISSUER_URL}]}]
        elif type_name == "aws_subnets" and cluster_tag_filter(obj.get("filter")) \
                and not dict.__contains__(obj, "ids"):
            # the subnets tagged for the cluster: the cluster's own (it has one at least)
            obj["ids"] = cluster_subnet_ids(obj.address, obj.where)
        elif type_name == "aws_subnet" and not dict.__contains__(obj, "cidr_block") \
                and is_cluster_subnet(obj.get("id")):
            from ...aws.cluster import CLUSTER_EGRESS

            obj["cidr_block"] = CLUSTER_EGRESS  # a network the cluster's pods call from
        elif type_name == "vault_policy_document":
            try:
                obj["hcl"] = render_vault_policy_document(obj)
            except LoadError as error:
                self.ctx.problems.extend(error.problems)
                obj["hcl"] = Symbol(key=f"{obj.address}.hcl", expression=f"{obj.address}.hcl",
                                    source=obj.where, reason="a policy document Terraform refuses")
        elif type_name == "kubectl_file_documents":
            content = obj.get("content")
            if isinstance(content, str):
                documents = [doc for doc in re.split(r"(?m)^---\s*$", content) if doc.strip()]
                obj["documents"] = documents
                obj["manifests"] = {str(i): doc for i, doc in enumerate(documents)}

    # -- modules ---------------------------------------------------------------------------

    def module_value(self, name: str, steps: tuple[TraversalStep, ...]) -> tuple[Value, int]:
        """``module.NAME[...]``: the outputs of the call's instance(s); steps consumed after root."""
        declared = self.config.modules.get(name)
        if declared is None:
            raise ScopeError(f'reference to undeclared module "{name}"')
        address = f"{self.prefix()}module.{name}"
        expansion = self.expansion("module", declared, address)
        consumed = 1
        if expansion.mode != "single":
            if steps and isinstance(steps[0], GetIndex):
                key = steps[0].key
                matches = [i for i in expansion.instances if i.key == key and type(i.key) is type(key)]
                if not matches:
                    if any(isinstance(i.key, Symbol) for i in expansion.instances) or isinstance(key, Symbol):
                        return computed_symbol(f"{address}{_address_key(key)}", declared.where), 2
                    raise ScopeError(f"{address} has no instance {_address_key(key)}", dynamic=True)
                instance = matches[0]
                consumed = 2
                steps = steps[1:]
            else:
                whole = expansion.collection_symbol(address, declared.where)
                if whole is not None:
                    return whole, 1
                children = [self.child(declared, i, expansion.mode) for i in expansion.instances]
                outputs: list[Value] = [child.all_outputs() for child in children]
                if expansion.mode == "count":
                    return outputs, 1
                return {str(i.key): o for i, o in zip(expansion.instances, outputs, strict=True)}, 1
        else:
            instance = expansion.instances[0]
        child = self.child(declared, instance, expansion.mode)
        if steps and isinstance(steps[0], GetAttr):
            return child.output(steps[0].name), consumed + 1
        return child.all_outputs(), consumed

    def child(self, declared: Declared, instance: Instance, mode: str) -> ModuleNode:
        """The module instance (or profile) behind one instance of a module call."""
        cached = self._children.get(instance.address)
        if cached is None:
            cached = self._provisional.get(instance.address)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        if instance.address in self._making:
            raise _InProgress(instance.address)
        self._clock += 1
        self._making[instance.address] = self._clock
        try:
            node, final = self._make_child(declared, instance, mode)
        finally:
            self._making.pop(instance.address, None)
        if final:
            self._children[instance.address] = node
        return node

    def _make_child(self, declared: Declared, instance: Instance, mode: str) -> tuple[ModuleNode, bool]:
        """Resolve a module call's source: local directory, ``terraform init`` copy, profile, or
        unknown; with False when it is a stand-in, to be made again once what its inputs need
        is evaluated (see :meth:`_enter`)."""
        block = declared.node
        assert isinstance(block, Block)
        ctx = self.ctx
        name = block.labels[0]
        source = module_source_text(block)
        call_scope = self.instance_scope(instance, mode)
        key_path = f"{self.key_path}.{name}" if self.key_path else name
        if source is None:
            raise LoadError.single(declared.file.path, block.line, f'module "{name}" has no source')
        directory = module_directory(declared, source, key_path, parent_directory=self.config.directory,
                                     repo_root=ctx.repo_root, installed=ctx.installed,
                                     listings=ctx.recorder.listings)
        condition = instance.condition or self.condition
        if directory is not None:
            chain = [self]
            while chain[-1].parent is not None:
                chain.append(chain[-1].parent)
            calling = [ctx.real_directory(node.config.directory) for node in chain]
            if ctx.real_directory(directory) in calling:
                root = ctx.repo_root
                names = " -> ".join(str(d.relative_to(root)) if d.is_relative_to(root) else str(d)
                                    for d in [*reversed(calling), ctx.real_directory(directory)])
                raise LoadError.single(declared.file.path, block.line,
                                       f'module "{name}" calls a module that is already being '
                                       f"evaluated ({names}): Terraform refuses module cycles")
            return ModuleInstance(ctx, ctx.config(directory), instance.address, parent=self, call=declared,
                                  call_scope=call_scope, key_path=key_path, condition=condition), True
        where = f"{declared.file.path}:{block.line}"
        inputs: dict[str, Value] = {}
        deferred: list[tuple[str, Attribute]] = []
        for argument_name, attribute in block.body.attributes.items():
            if argument_name in META_ARGUMENTS:
                continue
            try:
                self._module_input(inputs, argument_name, attribute, declared, call_scope)
            except _InProgress:
                deferred.append((argument_name, attribute))
        if deferred:
            # An input that reads the call's own outputs (templates = [{ tolerations =
            # module.x.tolerations }]), or a resource that reads them (a ConfigMap labelled
            # with module.x.labels and mounted through a module.x input): Terraform orders
            # by output, so this is fine when those outputs do not depend on the input.
            # Stand in for the module with the deferred inputs unknown (so no output that
            # depends on them comes out definite), evaluate them, then profile it for real.
            standing_in = profiled_module(instance.address, source, {
                **inputs, **{n: _self_referring_input(instance.address, n, where) for n, _ in deferred}},
                where)
            self._provisional[instance.address] = standing_in
            try:
                for argument_name, attribute in deferred:
                    self._module_input(inputs, argument_name, attribute, declared, call_scope)
            except _InProgress:
                return standing_in, False  # the caller is what the input needs: made again later
            finally:
                del self._provisional[instance.address]
        node = profiled_module(instance.address, source, inputs, where)
        if node.reason is not None:
            ctx.warn(where, node.reason)
            return node, True
        ctx.profiled.append((condition, instance.address, node.result, where))
        for note in node.result.notes:
            ctx.warn(where, note)
        return node, True

    def _module_input(self, inputs: dict[str, Value], name: str, attribute: Attribute,
                      declared: Declared, call_scope: Scope) -> None:
        """Evaluate one argument of a profiled module call into ``inputs``; a failure is a
        problem of the load (an :class:`_InProgress` goes to the caller)."""
        try:
            inputs[name] = self.eval(attribute.expr, declared, call_scope)
        except LoadError as error:
            self.ctx.problems.extend(error.problems)

    def output(self, name: str) -> Value:
        """One output's value."""
        declared = self.config.outputs.get(name)
        if declared is None:
            raise ScopeError(f'{self.address or "the root module"} has no output "{name}"')
        block = declared.node
        assert isinstance(block, Block)
        value_attr = block.body.attributes.get("value")
        if value_attr is None:
            raise LoadError.single(declared.file.path, block.line, f'output "{name}" has no value')
        return self._memo(f"output.{name}", lambda: self.eval(value_attr.expr, declared))

    def all_outputs(self) -> dict[str, Value]:
        """Every output (for ``module.x`` used whole)."""
        return {name: self.output(name) for name in self.config.outputs}

    # -- walking ---------------------------------------------------------------------------

    def module_instances(self) -> Iterator[tuple[ModuleNode, Instance]]:
        """Every instance of every module call in this module (not recursive)."""
        for name, declared in self.config.modules.items():
            address = f"{self.prefix()}module.{name}"
            try:
                expansion = self.expansion("module", declared, address)
            except LoadError as error:
                self.ctx.problems.extend(error.problems)
                continue
            for instance in expansion.instances:
                yield self.child(declared, instance, expansion.mode), instance


ModuleNode = ModuleInstance | ProfiledModule
"""What a module call resolves to: evaluated code, or a profile / unknown outputs."""


class UnknownBlock(dict[str, Any]):
    """A block produced by a ``dynamic`` block over a collection unknown before apply:
    its content with symbolic iterator values; it may stand for any number of blocks."""

    def __init__(self, content: Mapping[str, Any], collection: Symbol):
        super().__init__(content)
        self.collection = collection


def random_hex_symbol(address: str, obj: Mapping[str, Any], where: str) -> Symbol:
    """``random_id.x.hex``: random, distinct from every other random_id, with a known shape."""
    byte_length = obj.get("byte_length", 8)
    prefix = obj.get("prefix", "")
    digits = f"{{{2 * byte_length}}}" if isinstance(byte_length, int) else "+"
    prefix_pattern = re.escape(prefix) if isinstance(prefix, str) else ".*"
    return Symbol(key=f"{address}.hex", expression=f"{address}.hex", source=where,
                  reason="a random value generated at apply (random_id)",
                  pattern=f"{prefix_pattern}[0-9a-f]{digits}", distinct_group="random_id",
                  never_null=True)


class _EmptyScope:
    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        raise ScopeError(f'"{root}" cannot be referenced here (variable defaults must be literal)')


_EMPTY_SCOPE = _EmptyScope()


__all__ = ["Instance", "ModuleInstance", "ModuleNode", "ResourceObject", "TerraformContext", "UnknownBlock"]
