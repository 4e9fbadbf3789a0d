"""The roles and bindings every cluster has: the bootstrap policy, read from package data.

``kubernetes/bootstrap_policy.yaml`` holds kube-apiserver's bootstrap policy as the
manifests it is published as; it is read with the package's own manifest reader the
first time a model needs it, once per process.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from ..errors import LoadError
from ..model.objects import BUILTIN_SOURCE, KubeObject
from .manifests.documents import read_documents
from .manifests.object_building import build_object

BOOTSTRAP_POLICY_FILE = "bootstrap_policy.yaml"
"""The package data file (in ``pytest_pfperms.kubernetes``) that holds the bootstrap policy."""

_MANIFESTS: list[dict[str, Any]] | None = None
_OBJECTS: list[KubeObject] | None = None


def bootstrap_manifests() -> list[dict[str, Any]]:
    """The bootstrap policy's manifests, as ``yaml.safe_load`` gives the real objects."""
    global _MANIFESTS
    if _MANIFESTS is None:
        data = resources.files("pytest_pfperms.kubernetes").joinpath(BOOTSTRAP_POLICY_FILE)
        values, problems = read_documents(data.read_text(encoding="utf-8"), f"<{BOOTSTRAP_POLICY_FILE}>")
        if problems:  # the package is damaged: never answer without the defaults it promises
            raise LoadError(problems)
        _MANIFESTS = values
    return _MANIFESTS


def bootstrap_objects() -> list[KubeObject]:
    """The bootstrap policy's roles and bindings as model objects (built once per process)."""
    global _OBJECTS
    if _OBJECTS is None:
        _OBJECTS = [build_object(manifest, BUILTIN_SOURCE, "").obj for manifest in bootstrap_manifests()]
    return _OBJECTS
