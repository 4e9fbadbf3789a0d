"""Settle an unknown answer by trying every case its unknowns can be.

An answer that depends on values known only after apply is unknown, unless every value they
can take gives the same answer. For a :class:`~pytest_pfperms.values.Choice` (a string that is
one of a few, ``var.admin ? "cluster-admin" : "view"``) the cases can be listed: the model is
rebuilt with the choice replaced by each string in turn (only the objects holding it change),
the same question is asked of each, and if every case gives the same definite answer, that
is the answer, explained case by case. Anything else keeps the answer unknown.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..model.decision import Decision, Explanation
from ..values import Choice, EncodedDocument, KeyedObject, Symbol

if TYPE_CHECKING:
    from .model import Model

MAX_CASES = 16
"""At most this many combinations of choices are tried for one answer."""


def substitute(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` with every symbol whose key ``mapping`` holds replaced by its string; the same
    object when nothing in it changes (dataclasses, tuples, lists and dicts are walked)."""
    if isinstance(value, Symbol):
        if value.key in mapping:
            return mapping[value.key]
        if isinstance(value, EncodedDocument | KeyedObject):  # what they hold may hold it
            inner = substitute(value.document if isinstance(value, EncodedDocument) else value.items,
                               mapping)
            if inner is (value.document if isinstance(value, EncodedDocument) else value.items):
                return value
            case = ", ".join(f"{key} = {text}" for key, text in sorted(mapping.items()))
            renamed = f"{value.key} with {case}"  # another value: never the same symbol
            if isinstance(value, EncodedDocument):
                return dataclasses.replace(value, key=renamed, document=inner)
            return dataclasses.replace(value, key=renamed, items=inner)
        return value
    if isinstance(value, tuple):
        items = tuple(substitute(item, mapping) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, list):
        items_list = [substitute(item, mapping) for item in value]
        return value if all(a is b for a, b in zip(items_list, value, strict=True)) else items_list
    if isinstance(value, dict):
        changed = {key: substitute(item, mapping) for key, item in value.items()}
        if all(changed[key] is item for key, item in value.items()):
            return value
        return changed
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        updates = {}
        for field in dataclasses.fields(value):
            if not field.init:
                continue
            old = getattr(value, field.name)
            new = substitute(old, mapping)
            if new is not old:
                updates[field.name] = new
        return dataclasses.replace(value, **updates) if updates else value
    return value


def holds_choice(value: object) -> bool:
    """Whether a Choice is anywhere in ``value`` (objects, resources and what they hold)."""
    if isinstance(value, Choice):
        return True
    if isinstance(value, EncodedDocument):
        return holds_choice(value.document)
    if isinstance(value, KeyedObject):
        return holds_choice(value.items)
    if isinstance(value, Symbol):
        return False
    if isinstance(value, (list, tuple)):
        return any(holds_choice(item) for item in value)
    if isinstance(value, dict):
        return any(holds_choice(item) for item in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(holds_choice(getattr(value, field.name)) for field in dataclasses.fields(value))
    return False


def choices_in(symbols: Iterable[Symbol]) -> list[Choice]:
    """The choices among ``symbols``, each once."""
    return list({symbol.key: symbol for symbol in symbols if isinstance(symbol, Choice)}.values())


def settle(model: Model, decision: Decision, ask: Callable[[Model], Decision]) -> Decision:
    """``decision`` made definite when it is unknown only through choices that agree in every
    case (``ask`` puts the same question to a model); else ``decision`` unchanged."""
    if decision.allowed is not None or not model.holds_choices:
        return decision
    unknowns = decision.explanation().unknowns
    choices = choices_in(unknowns)
    if not choices or len(choices) != len(unknowns):
        return decision  # another unknown too: no list of cases covers it
    combinations = list(itertools.islice(itertools.product(*(c.choices for c in choices)), MAX_CASES + 1))
    if len(combinations) > MAX_CASES:
        return decision
    answers: list[tuple[dict[str, str], Decision]] = []
    for combination in combinations:
        mapping = {choice.key: value for choice, value in zip(choices, combination, strict=True)}
        case = model.with_values(mapping)
        if case is None:  # the model has built as many cases as it may
            return decision
        answer = ask(case)
        if answer.allowed is None or (answers and answer.allowed != answers[0][1].allowed):
            return decision
        answers.append((mapping, answer))
    return Decision(answers[0][1].allowed, decision.subject, decision.request,
                    lambda _decision: _by_case(choices, answers))


def _by_case(choices: Sequence[Choice], answers: Sequence[tuple[dict[str, str], Decision]]) -> Explanation:
    shown = ", ".join(f"{choice} (one of {', '.join(map(repr, choice.choices))})" for choice in choices)
    lines = [f"the same in every case {shown} can be:"]
    for mapping, answer in answers:
        case = ", ".join(f"{key} = {value!r}" for key, value in mapping.items())
        lines.append(f"  if {case}: {answer.verdict}")
        lines += [f"    {line}" for line in answer.explanation().lines]
    return Explanation(tuple(lines))


__all__ = ["MAX_CASES", "choices_in", "holds_choice", "settle", "substitute"]
