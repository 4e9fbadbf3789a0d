"""A data-only encoding of the values the caches hold: JSON with tagged arrays.

Scalars (``None``, bools, ints, floats, strings) and string-keyed dicts are JSON as they
are; every other shape is an array whose first item is a tag: ``["#T", ...]`` a tuple,
``["#L", ...]`` a list whose first item could be mistaken for a tag, ``["#D", k, v, ...]`` a
dict with other keys, ``["#S", ...]`` a frozenset, ``["#N", "1.5"]`` a Decimal, and
``["#<Name>", field, ...]`` an instance of a class the caller registered (its ``__init__``
fields in order). Decoding builds only registered classes, by calling their constructors
with the stored fields, so an entry can hold data but never code.
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

Encoder = Callable[[Any], Sequence[Any]]
Decoder = Callable[[list[Any]], Any]


class CodecError(ValueError):
    """A value the codec cannot encode, or an entry it refuses to decode."""


class Codec:
    """Encode and decode trees of the registered classes (see the module docstring)."""

    def __init__(self, classes: Iterable[type] = (),
                 custom: Iterable[tuple[type, Encoder, Decoder]] = ()) -> None:
        self._encoders: dict[type, tuple[str, Encoder]] = {}
        self._decoders: dict[str, Decoder] = {}
        for cls in classes:
            if not dataclasses.is_dataclass(cls):
                raise TypeError(f"{cls.__name__} is not a dataclass; register it with custom=")
            names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
            self._register(cls, _dataclass_encoder(names), _dataclass_decoder(cls, names))
        for cls, encode, decode in custom:
            self._register(cls, encode, decode)

    def _register(self, cls: type, encode: Encoder, decode: Decoder) -> None:
        tag = f"#{cls.__name__}"
        if tag in self._decoders or tag in _BUILTIN_TAGS:
            raise TypeError(f"two classes would share the tag {tag}")
        self._encoders[cls] = (tag, encode)
        self._decoders[tag] = decode

    # -- encoding ---------------------------------------------------------------------------

    def dumps(self, value: object) -> bytes:
        """The JSON bytes of ``value``; CodecError for a value of an unregistered type."""
        try:
            return json.dumps(self._encode(value), separators=(",", ":"), ensure_ascii=False,
                              allow_nan=True).encode("utf-8", "surrogatepass")
        except RecursionError:
            raise CodecError("the value is nested too deeply to cache") from None

    def _encode(self, value: object) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            return value
        encode = self._encode
        if kind is list:
            assert isinstance(value, list)
            items = list(map(encode, value))
            if items and type(items[0]) is str and items[0].startswith("#"):
                return ["#L", *items]
            return items
        registered = self._encoders.get(kind)
        out: list[Any]
        if registered is not None:
            tag, fields = registered
            out = [tag]
            out += map(encode, fields(value))  # map calls from C: a third faster than a comprehension
            return out
        if kind is dict:
            assert isinstance(value, dict)
            if all(type(key) is str for key in value):
                return {key: encode(item) for key, item in value.items()}
            out = ["#D"]
            for key, item in value.items():
                out += [encode(key), encode(item)]
            return out
        if kind is tuple:
            assert isinstance(value, tuple)
            out = ["#T"]
            out += map(encode, value)
            return out
        if kind is frozenset:
            assert isinstance(value, frozenset)
            out = ["#S"]
            out += map(encode, value)
            return out
        if kind is Decimal:
            return ["#N", str(value)]
        raise CodecError(f"cannot cache a value of type {kind.__qualname__}")

    # -- decoding ---------------------------------------------------------------------------

    def loads(self, data: bytes) -> Any:
        """The value ``data`` encodes; CodecError for anything malformed or unregistered."""
        try:
            return self._decode(json.loads(data.decode("utf-8", "surrogatepass")))
        except CodecError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as error:
            raise CodecError(f"not a cache entry this release wrote: {error}") from None

    def _decode(self, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {key: self._decode(item) for key, item in raw.items()}
        if not isinstance(raw, list):
            return raw
        if not raw or not isinstance(raw[0], str) or not raw[0].startswith("#"):
            return [self._decode(item) for item in raw]
        tag, items = raw[0], raw[1:]
        if tag == "#T":
            return tuple(self._decode(item) for item in items)
        if tag == "#L":
            return [self._decode(item) for item in items]
        if tag == "#D":
            if len(items) % 2:
                raise CodecError("a dict entry with an odd number of items")
            return {self._decode(items[i]): self._decode(items[i + 1]) for i in range(0, len(items), 2)}
        if tag == "#S":
            return frozenset(self._decode(item) for item in items)
        if tag == "#N":
            if len(items) != 1 or not isinstance(items[0], str):
                raise CodecError("a malformed number")
            return Decimal(items[0])
        decode = self._decoders.get(tag)
        if decode is None:
            raise CodecError(f"unknown tag {tag!r}")
        return decode([self._decode(item) for item in items])


_BUILTIN_TAGS = frozenset({"#T", "#L", "#D", "#S", "#N"})

_SCALARS = frozenset({str, int, bool, float, type(None)})
"""Types JSON holds as they are (exactly these: a subclass goes through the checks)."""


def _dataclass_encoder(names: tuple[str, ...]) -> Encoder:
    if not names:
        return lambda value: []
    fields = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda value: [fields(value)]
    return fields


def _dataclass_decoder(cls: type, names: tuple[str, ...]) -> Decoder:
    def decode(items: list[Any]) -> Any:
        if len(items) != len(names):
            raise CodecError(f"{cls.__name__} needs {len(names)} fields, the entry has {len(items)}")
        return cls(*items)

    return decode
