"""Declarative policies: ``policies/*.yaml`` (``apiVersion: pfperms/v1``, ``kind: PolicySet``)
and the built-in risk pack.

``reading`` (safe YAML with lines, the JSON Schema ``policyset.schema.json``), ``format``
(typed policies), ``subjects`` (who a policy is about), ``questions`` (the requests an entry
asks), ``evaluation`` (offenders, exceptions, the outcome), ``rendering`` (the report), and
``builtin/`` (the PF-K8S/PF-AWS/PF-VAULT policies). The pytest items are in
:mod:`pytest_pfperms.testing.policy_items`.

Stands above ``escalation`` (it imports the core, ``model``, the engines, ``explain``,
``query`` and ``escalation``) and below the faces; never the sources.
"""

from .evaluation import Finding, Outcome, evaluate
from .format import Policy, PolicySet, policy_set
from .reading import API_VERSION, is_policy_file, read
from .rendering import render

__all__ = ["API_VERSION", "Finding", "Outcome", "Policy", "PolicySet", "evaluate", "is_policy_file",
           "policy_set", "read", "render"]
