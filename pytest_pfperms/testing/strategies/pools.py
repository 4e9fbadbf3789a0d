"""The default vocabularies strategies draw from: few, short, readable values.

Every pool is ordered simplest first, because Hypothesis shrinks a drawn element
towards the start of its pool: a failing example ends up with ``get pods`` in
``ns0`` by ``sa0``, not with ``deletecollection deployments.apps/scale``.
"""

from __future__ import annotations

NAMESPACES: tuple[str, ...] = ("ns0", "ns1", "ns2")
SERVICE_ACCOUNTS: tuple[str, ...] = ("sa0", "sa1", "default")
USERS: tuple[str, ...] = ("user0", "user1")
GROUPS: tuple[str, ...] = ("group0", "group1")
SYSTEM_GROUPS: tuple[str, ...] = ("system:serviceaccounts", "system:authenticated")
"""Groups every service account carries (plus ``system:serviceaccounts:<namespace>``)."""

VERBS: tuple[str, ...] = ("get", "list", "watch", "create", "update", "patch", "delete",
                          "deletecollection")
URL_VERBS: tuple[str, ...] = ("get", "post", "head")
"""Verbs of non-resource requests: lower-case HTTP methods."""

RESOURCES: tuple[str, ...] = ("pods", "secrets", "configmaps", "deployments.apps", "pods/log",
                              "deployments.apps/scale", "nodes")
"""Resources as ``can()`` spells them: ``name[.group][/subresource]``; ``nodes`` is cluster-scoped."""

RESOURCE_NAMES: tuple[str, ...] = ("obj0", "obj1")
RULE_URLS: tuple[str, ...] = ("/healthz", "/metrics", "/logs/*", "*")
"""``nonResourceURLs`` of rules: exact paths, a trailing-``*`` prefix and the full wildcard."""
REQUEST_URLS: tuple[str, ...] = ("/healthz", "/metrics", "/logs/app", "/version")

ROLE_NAMES: tuple[str, ...] = ("role0", "role1", "role2")
CLUSTER_ROLE_NAMES: tuple[str, ...] = ("clusterrole0", "clusterrole1", "clusterrole2")
LABELS: dict[str, tuple[str, ...]] = {"agg0": ("true", "false"), "agg1": ("true",)}
"""Label keys and values of ClusterRoles, and what aggregation selectors ask for."""

IAM_ACTIONS: tuple[str, ...] = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject",
                                "sqs:SendMessage")
IAM_ACTION_PATTERNS: tuple[str, ...] = ("s3:Get*", "s3:*", "*", "s3:?utObject", "S3:getobject")
IAM_RESOURCES: tuple[str, ...] = ("arn:aws:s3:::bucket0", "arn:aws:s3:::bucket0/key0",
                                  "arn:aws:s3:::bucket1/key0",
                                  "arn:aws:sqs:us-east-1:111122223333:queue0")
IAM_RESOURCE_PATTERNS: tuple[str, ...] = ("*", "arn:aws:s3:::bucket0/*", "arn:aws:s3:::bucket*",
                                          "arn:aws:sqs:*:111122223333:*")
IAM_CONTEXT: dict[str, tuple[str, ...]] = {"aws:PrincipalTag/team": ("a", "b")}
"""Condition keys statements test and requests carry, with their possible values."""

VAULT_PATHS: tuple[str, ...] = ("secret/data/app0", "secret/data/app1", "secret/data/*",
                                "secret/data/app0*", "secret/+/app0", "secret/*",
                                "secret/metadata/*", "sys/*", "sys/seal")
VAULT_CAPABILITIES: tuple[str, ...] = ("read", "list", "create", "update", "patch", "delete", "sudo",
                                       "deny")
VAULT_REQUEST_PATHS: tuple[str, ...] = ("secret/data/app0", "secret/data/app1", "secret/data/app0/x",
                                        "secret/metadata/app0", "secret/app0", "sys/seal")
VAULT_OPERATIONS: tuple[str, ...] = ("read", "list", "create", "update", "patch", "delete",
                                     "update+sudo")

RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
