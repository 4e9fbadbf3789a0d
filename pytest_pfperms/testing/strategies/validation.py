"""Eager argument checks for the strategies and the invariant checker.

Each check raises :class:`~pytest_pfperms.errors.InvalidArgument` at once, when the
strategy is built, not when Hypothesis first draws from it: what was given, why it
cannot work, and what to pass instead (with close matches for misspellings).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from ...errors import InvalidArgument
from ...model.requests import ResourceRequest, build_request

ResourceKey = tuple[str, str, str]
"""``(api_group, resource, subresource)`` of a resource request."""


def _close(value: object, allowed: Iterable[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(allowed), n=2, cutoff=0.6)
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""


def strings(value: object, argument: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    """A non-string sequence of non-empty strings, as a tuple without repeats."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise InvalidArgument(f"{argument} must be a list of strings, not {value!r}"
                              + (f"; write {argument}=[{value!r}]" if isinstance(value, str) else ""))
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            raise InvalidArgument(f"{argument} must hold non-empty strings; {item!r} is not one")
    if not items and not allow_empty:
        raise InvalidArgument(f"{argument} is empty: give at least one value, or leave it out "
                              "for the default")
    return tuple(dict.fromkeys(items))


def pool(value: object, argument: str, default: tuple[str, ...], *,
         allow_empty: bool = False) -> tuple[str, ...]:
    """``strings(value)`` when given, else ``default``."""
    return default if value is None else strings(value, argument, allow_empty=allow_empty)


def subset(value: object, argument: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """A non-empty list of values, each one of ``allowed`` (exact case)."""
    items = strings(value, argument)
    for item in items:
        if item not in allowed:
            raise InvalidArgument(f"{argument} may hold {', '.join(map(repr, allowed))}, not {item!r}"
                                  + _close(item, allowed))
    return items


def one_of(value: object, argument: str, allowed: Collection[object]) -> None:
    """One value of ``allowed``."""
    if value not in allowed:
        shown = ", ".join(repr(item) for item in allowed)
        raise InvalidArgument(f"{argument} must be one of {shown}, not {value!r}"
                              + _close(value, [str(a) for a in allowed]))


def boolean(value: object, argument: str) -> bool:
    """True or False (not a truthy stand-in)."""
    if not isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be True or False, not {value!r}")
    return value


def integer(value: object, argument: str, *, minimum: int, maximum: int | None = None) -> int:
    """An int in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{argument} must be an integer, not {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise InvalidArgument(f"{argument} must be {bound}, not {value}")
    return value


def size_range(min_size: object, max_size: object, argument: str, *, limit: int = 50) -> tuple[int, int]:
    """``min_<argument>`` and ``max_<argument>`` as a valid range."""
    low = integer(min_size, f"min_{argument}", minimum=0, maximum=limit)
    high = integer(max_size, f"max_{argument}", minimum=0, maximum=limit)
    if low > high:
        raise InvalidArgument(f"min_{argument}={low} is greater than max_{argument}={high}")
    return low, high


def resource(text: str, argument: str) -> ResourceKey:
    """``pods``, ``deployments.apps/scale`` ... -> ``(api_group, resource, subresource)``."""
    if text.startswith("/"):
        raise InvalidArgument(f"{argument}: {text!r} is a non-resource URL; pass it in "
                              "non_resource_urls=[...] instead")
    try:
        request = build_request("get", text, namespace=None, name=None, api_group=None,
                                subresource=None)
    except InvalidArgument as error:
        raise InvalidArgument(f"{argument}: {error}") from None
    assert isinstance(request, ResourceRequest)
    return str(request.api_group), str(request.resource), str(request.subresource)


def resources(value: object, argument: str) -> tuple[ResourceKey, ...]:
    """A list of resources as ``can()`` spells them, parsed."""
    return tuple(dict.fromkeys(resource(item, argument) for item in strings(value, argument)))


def urls(value: object, argument: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    """Non-resource URLs: each starts with ``/`` (or is ``*`` in a rule)."""
    items = strings(value, argument, allow_empty=allow_empty)
    for item in items:
        if not item.startswith("/") and item != "*":
            raise InvalidArgument(f"{argument}: {item!r} is not a non-resource URL; they start "
                                  "with '/' (such as '/healthz'), or are '*' in a rule")
    return items


def labels(value: object, argument: str) -> dict[str, tuple[str, ...]]:
    """A mapping of label key to the values it may take."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidArgument(f"{argument} must be a non-empty mapping of label key to a list of "
                              f'values, such as {{"team": ["a", "b"]}}, not {value!r}')
    result: dict[str, tuple[str, ...]] = {}
    for key, values in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgument(f"{argument}: label keys must be non-empty strings, not {key!r}")
        result[key] = strings(values, f"{argument}[{key!r}]")
    return result


def strategy(value: object, argument: str) -> Any:
    """A Hypothesis SearchStrategy."""
    from hypothesis.strategies import SearchStrategy

    if not isinstance(value, SearchStrategy):
        hint = ""
        if isinstance(value, (list, tuple, set, frozenset)):
            hint = "; wrap a fixed list in hypothesis.strategies.sampled_from(...)"
        raise InvalidArgument(f"{argument} must be a Hypothesis strategy, not {value!r}{hint}")
    return value


def model(value: object, argument: str = "model") -> Any:
    """A loaded Model."""
    from ...query.model import Model

    if not isinstance(value, Model):
        raise InvalidArgument(f"{argument} must be a Model from pytest_pfperms.load(...), "
                              f"not {value!r}")
    return value
