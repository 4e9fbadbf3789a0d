"""``pfperms.dump``: write what a model holds as one multi-document YAML file.

Each object is written from the document it was read from, with its namespace made
explicit (so the file means the same whatever default namespace it is loaded with) and
a comment naming where it came from. Loading the file gives a model that answers every
question as the original does (a property test checks this). A model holding values
known only after apply cannot be written: there is no YAML for "unknown".
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidArgument
from .query.model import Model
from .values import Symbol, symbols_in


def _document(obj: Any) -> dict[str, Any]:
    document = copy.deepcopy(dict(obj.body))
    metadata = dict(document.get("metadata") or {})
    if obj.namespace is not None and not isinstance(obj.namespace, Symbol):
        metadata["namespace"] = obj.namespace
    if "generateName" in metadata and "name" not in metadata:
        raise InvalidArgument(f"cannot dump {obj.ref()} ({obj.source}): its name is generated at apply")
    document["metadata"] = metadata
    return document


def dumps(model: Model) -> str:
    """The model's objects (never the cluster defaults) as multi-document YAML."""
    parts = []
    for obj in model.objects():
        unknown = symbols_in(obj.body) + symbols_in((obj.name, obj.namespace))
        if unknown or obj.condition is not None:
            what = unknown[0].describe() if unknown else obj.condition.describe()  # type: ignore[union-attr]
            raise InvalidArgument(f"cannot dump {obj.ref()} ({obj.source}): it depends on a value known "
                                  f"only after apply: {what}")
        text = yaml.safe_dump(_document(obj), sort_keys=False, default_flow_style=False)
        parts.append(f"# from {obj.source}\n{text}")
    return "---\n".join(parts)


def dump(model: Model, path: str | os.PathLike[str]) -> Path:
    """Write :func:`dumps` to ``path``; returns the path."""
    target = Path(path)
    target.write_text(dumps(model), encoding="utf-8")
    return target
