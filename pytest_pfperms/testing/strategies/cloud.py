"""Hypothesis strategies for AWS IAM policy documents and Vault ACL policies, and requests to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ...model.decision import Decision

Draw = st.DrawFn


@dataclass(frozen=True, slots=True)
class IamQuery:
    """One IAM request: an action on a resource ARN, with condition keys in ``context``."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def evaluate(self, policies: Any, **options: Any) -> Decision:
        """``evaluate_iam(policies, action, resource, context=...)`` for this request."""
        from ...aws.evaluation import evaluate_iam

        return evaluate_iam(policies, self.action, self.resource, context=dict(self.context), **options)

    def __str__(self) -> str:
        where = "".join(f" [{key}={value}]" for key, value in self.context)
        return f"{self.action} on {self.resource}{where}"


@dataclass(frozen=True, slots=True)
class VaultQuery:
    """One Vault request: a capability (or operation) on an API path."""

    capability: str
    path: str

    def evaluate(self, policies: Any, **options: Any) -> Decision:
        """``evaluate_vault(policies, capability, path)`` for this request."""
        from ...vault.acl import evaluate_vault

        return evaluate_vault(policies, self.capability, self.path, **options)

    def __str__(self) -> str:
        return f"{self.capability} on {self.path}"


@dataclass(frozen=True, slots=True)
class IamSpec:
    """Pools of what IAM statements name."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    effects: tuple[str, ...]
    context: dict[str, tuple[str, ...]]
    not_elements: bool
    max_statements: int


def _condition(draw: Draw, context: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    key = draw(st.sampled_from(list(context)))
    operator = draw(st.sampled_from(("StringEquals", "StringNotEquals", "StringLike")))
    pool = context[key] + ("*",) if operator == "StringLike" else context[key]
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
    return {operator: {key: values if len(values) > 1 else values[0]}}


def statements(spec: IamSpec) -> st.SearchStrategy[dict[str, Any]]:
    """One statement: Effect, Action or NotAction, Resource or NotResource, maybe a Condition."""

    @st.composite
    def build(draw: Draw) -> dict[str, Any]:
        statement: dict[str, Any] = {"Effect": draw(st.sampled_from(spec.effects))}
        actions = draw(st.lists(st.sampled_from(spec.actions), min_size=1, max_size=2, unique=True))
        negate = spec.not_elements and draw(st.integers(0, 5)) == 5
        statement["NotAction" if negate else "Action"] = actions if len(actions) > 1 else actions[0]
        resources = draw(st.lists(st.sampled_from(spec.resources), min_size=1, max_size=2, unique=True))
        negate = spec.not_elements and draw(st.integers(0, 5)) == 5
        statement["NotResource" if negate else "Resource"] = resources if len(resources) > 1 else resources[0]
        if spec.context and draw(st.integers(0, 3)) == 3:
            statement["Condition"] = _condition(draw, spec.context)
        return statement

    return build()


def iam_policies(spec: IamSpec) -> st.SearchStrategy[dict[str, Any]]:
    """Identity policy documents with 1..max_statements statements."""
    return st.lists(statements(spec), min_size=1, max_size=spec.max_statements).map(
        lambda found: {"Version": "2012-10-17", "Statement": found})


def iam_requests(actions: tuple[str, ...], resources: tuple[str, ...],
                 context: dict[str, tuple[str, ...]]) -> st.SearchStrategy[IamQuery]:
    """Requests: a concrete action on a concrete ARN, with some of the context keys set."""

    @st.composite
    def build(draw: Draw) -> IamQuery:
        action = draw(st.sampled_from(actions))
        resource = draw(st.sampled_from(resources))
        found: list[tuple[str, str]] = []
        for key, values in context.items():
            value = draw(st.one_of(st.none(), st.sampled_from(values)))
            if value is not None:
                found.append((key, value))
        return IamQuery(action, resource, tuple(found))

    return build()


def vault_rule(path: str, capabilities: list[str]) -> str:
    """One ``path`` block of a Vault policy."""
    listed = ", ".join(f'"{cap}"' for cap in capabilities)
    return f'path "{path}" {{\n  capabilities = [{listed}]\n}}\n'


def vault_policies(paths: tuple[str, ...], capabilities: tuple[str, ...], max_rules: int,
                   ) -> st.SearchStrategy[str]:
    """Vault ACL policy text: 1..max_rules ``path`` blocks (a path may repeat, as Vault allows)."""

    @st.composite
    def build(draw: Draw) -> str:
        blocks = []
        for _ in range(draw(st.integers(1, max_rules))):
            path = draw(st.sampled_from(paths))
            blocks.append(vault_rule(path, draw(st.lists(st.sampled_from(capabilities), min_size=1,
                                                         max_size=3, unique=True))))
        return "\n".join(blocks)

    return build()


def vault_requests(operations: tuple[str, ...], paths: tuple[str, ...]) -> st.SearchStrategy[VaultQuery]:
    """Requests: an operation on a concrete path."""
    return st.builds(VaultQuery, st.sampled_from(operations), st.sampled_from(paths))
