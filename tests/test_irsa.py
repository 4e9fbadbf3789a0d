"""IRSA: what a workload can do in AWS through its service account's IAM role.

Tables from ``reference/iam-vault.md`` §1.7 (annotation, trust, permissions) and the
Panfactum ``kube_sa_auth_aws`` profile (``panfactum-modules.md`` §1.4), written in
Terraform (plain resources and Panfactum modules) and in YAML manifests whose IAM
comes from Terraform in the same load.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from repo_support import load

import pytest_pfperms as pfperms
from pytest_pfperms.aws.irsa import (
    CLUSTER_EGRESS,
    OUTSIDE_CLUSTER,
    AwsAccess,
    ClusterOidc,
    outside_cluster,
)
from pytest_pfperms.errors import Indeterminate, InvalidArgument
from pytest_pfperms.model.identities import ServiceAccount
from pytest_pfperms.model.objects import CloudResource, SourceRef

ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123"
ACCOUNT = "111122223333"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
PANFACTUM = "github.com/Panfactum/stack.git//packages/infrastructure"

PROVIDER = f"""
resource "aws_iam_openid_connect_provider" "eks" {{
  url             = "https://{ISSUER}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = []
}}

locals {{
  oidc = replace(aws_iam_openid_connect_provider.eks.url, "https://", "")
}}
"""


def trust(name: str, *, test: str = "StringEquals", subjects: str = '["system:serviceaccount:apps:reader"]',
          aud: bool = True) -> str:
    """A data aws_iam_policy_document trusting service accounts through the cluster's provider."""
    audience = """
    condition {
      test     = "StringEquals"
      variable = "${local.oidc}:aud"
      values   = ["sts.amazonaws.com"]
    }""" if aud else ""
    sub = f"""
    condition {{
      test     = "{test}"
      variable = "${{local.oidc}}:sub"
      values   = {subjects}
    }}""" if subjects else ""
    return f"""
data "aws_iam_policy_document" "{name}" {{
  statement {{
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {{
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }}{sub}{audience}
  }}
}}
"""


def service_account(name: str, namespace: str = "apps", role: str | None = "aws_iam_role.reader.arn",
                    extra: str = "") -> str:
    annotations = f'annotations = {{ "eks.amazonaws.com/role-arn" = {role}{extra} }}' if role else ""
    return f"""
resource "kubernetes_service_account" "{namespace}_{name.replace('-', '_')}" {{
  metadata {{
    name      = "{name}"
    namespace = "{namespace}"
    {annotations}
  }}
}}
"""


READER = PROVIDER + trust("trust") + """
resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

data "aws_iam_policy_document" "read" {
  statement {
    sid       = "ReadReports"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "read"
  role   = aws_iam_role.reader.id
  policy = data.aws_iam_policy_document.read.json
}

resource "kubernetes_deployment" "reader" {
  metadata {
    name      = "reader"
    namespace = "apps"
  }
  spec {
    template {
      metadata {}
      spec {
        service_account_name = "reader"
        container {
          name  = "app"
          image = "app"
        }
      }
    }
  }
}
""" + service_account("reader") + service_account("intruder") + service_account("reader", "web")


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle`` (after dedent)."""
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def sa(name: str, namespace: str = "apps") -> ServiceAccount:
    return ServiceAccount(namespace, name)


# --------------------------------------------------------------------------- annotation and trust (HCL)


@pytest.fixture
def reader(tmp_path: Path) -> pfperms.Model:
    return load(tmp_path, {"main.tf": READER})


@pytest.mark.parametrize(("who", "action", "resource", "expected"), [
    # trusted through :sub and :aud, and allowed by the role policy
    (sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/2024/q1.csv", True),
    (sa("reader"), "s3:ListBucket", "arn:aws:s3:::reports", True),
    # trusted, but no policy allows it (implicit deny)
    (sa("reader"), "s3:PutObject", "arn:aws:s3:::reports/x", False),
    (sa("reader"), "s3:GetObject", "arn:aws:s3:::other/x", False),
    # annotated with the same role, but the trust policy names another service account
    (sa("intruder"), "s3:GetObject", "arn:aws:s3:::reports/2024/q1.csv", False),
    # same name, other namespace: the :sub value differs
    ("system:serviceaccount:web:reader", "s3:GetObject", "arn:aws:s3:::reports/x", False),
])
def test_annotation_then_trust_then_permissions(reader: pfperms.Model, who: Any, action: str,
                                                resource: str, expected: bool) -> None:
    assert reader.aws_can(who, action, resource).allowed is expected


def test_allow_explained_down_to_the_statement_and_its_line(reader: pfperms.Model) -> None:
    text = reader.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x").explain()
    main = "main.tf"
    assert "ServiceAccount apps/reader CAN AWS s3:GetObject on arn:aws:s3:::reports/x" in text
    assert 'annotated eks.amazonaws.com/role-arn = ${aws_iam_role.reader.arn}' in text
    assert f"-> role aws_iam_role.reader ({main}" not in text  # the path is the full file path
    assert "-> role aws_iam_role.reader (" in text
    assert "trust: aws_iam_role.reader lets system:serviceaccount:apps:reader assume it" in text
    doc_line = line_of(READER, 'data "aws_iam_policy_document" "read"')
    assert (f'allowed by Statement[0] (Sid "ReadReports") of aws_iam_role_policy.read = '
            f"data.aws_iam_policy_document.read ({reader.resources[0].source.path.rsplit('/', 1)[0]}"
            f"/main.tf:{doc_line})") in text


def test_annotated_but_not_trusted_is_no_access_and_says_so(reader: pfperms.Model) -> None:
    decision = reader.aws_can(sa("intruder"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is False
    text = decision.explain()
    assert "trust: aws_iam_role.reader does not let system:serviceaccount:apps:intruder assume it" in text
    assert 'request has "system:serviceaccount:apps:intruder"' in text
    assert '["system:serviceaccount:apps:reader"]' in text
    assert "annotated but not trusted: the pods get no AWS credentials from this role" in text
    assert not decision  # a definite answer: bool() does not raise


def test_workload_asks_through_its_service_account(reader: pfperms.Model) -> None:
    workload = reader.workload("Deployment/reader", namespace="apps")
    assert workload.aws_can("s3:GetObject", "arn:aws:s3:::reports/x")
    assert not workload.aws_can("s3:DeleteObject", "arn:aws:s3:::reports/x")
    assert reader.aws_can(workload, "s3:GetObject", "arn:aws:s3:::reports/x").subject is workload


@pytest.mark.parametrize(("test", "subjects", "who", "expected"), [
    # StringLike with a namespace wildcard admits every service account of the namespace
    ("StringLike", '["system:serviceaccount:apps:*"]', sa("anything"), True),
    ("StringLike", '["system:serviceaccount:apps:*"]', sa("x", "web"), False),
    # under StringEquals the * is literal
    ("StringEquals", '["system:serviceaccount:apps:*"]', sa("anything"), False),
    # several values: OR
    ("StringEquals", '["system:serviceaccount:web:x", "system:serviceaccount:apps:anything"]',
     sa("anything"), True),
    # no :sub condition at all: every service account of the cluster
    ("StringEquals", "", sa("x", "web"), True),
])
def test_trust_sub_condition(tmp_path: Path, test: str, subjects: str, who: ServiceAccount,
                             expected: bool) -> None:
    text = PROVIDER + trust("trust", test=test, subjects=subjects) + """
resource "aws_iam_role" "shared" {
  name               = "shared"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  inline_policy {
    name   = "sqs"
    policy = jsonencode({ Version = "2012-10-17", Statement = [
      { Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }] })
  }
}
""" + service_account("anything", role="aws_iam_role.shared.arn") + service_account(
        "x", "web", role="aws_iam_role.shared.arn")
    model = load(tmp_path, {"main.tf": text})
    decision = model.aws_can(who, "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q")
    assert decision.allowed is expected
    if not subjects:
        assert "has no :sub condition, so it admits every service account of the cluster" in \
            decision.explain()


@pytest.mark.parametrize(("audience", "expected", "why"), [
    (None, True, ""),
    # the annotation changes the token's aud; the trust policy wants sts.amazonaws.com
    ("vault", False, "STS refuses the token"),
])
def test_audience_annotation(tmp_path: Path, audience: str | None, expected: bool, why: str) -> None:
    extra = f', "eks.amazonaws.com/audience" = "{audience}"' if audience else ""
    text = READER.replace(service_account("reader"), service_account("reader", extra=extra))
    model = load(tmp_path, {"main.tf": text})
    decision = model.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is expected
    assert why in decision.explain()


def test_audience_checked_by_the_trust_policy_too(tmp_path: Path) -> None:
    text = READER.replace('client_id_list  = ["sts.amazonaws.com"]',
                          'client_id_list  = ["sts.amazonaws.com", "vault"]')
    text = text.replace(service_account("reader"), service_account(
        "reader", extra=', "eks.amazonaws.com/audience" = "vault"'))
    model = load(tmp_path, {"main.tf": text})
    decision = model.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is False
    assert 'StringEquals oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123:aud: request has "vault"' \
        in decision.explain()


@pytest.mark.parametrize(("who", "expected", "why"), [
    # defined, but not annotated
    (sa("plain"), False, "it has no eks.amazonaws.com/role-arn annotation"),
    # the default service account of a namespace has no annotations unless the sources add one
    (sa("default", "web"), False, "a namespace's default service account has no annotations"),
    # not defined anywhere in the sources: its annotations are unknown
    (sa("ghost"), None, "ServiceAccount apps/ghost is not defined in the sources"),
])
def test_service_accounts_without_a_known_annotation(tmp_path: Path, who: ServiceAccount,
                                                     expected: bool | None, why: str) -> None:
    model = load(tmp_path, {"main.tf": READER + service_account("plain", role=None)})
    decision = model.aws_can(who, "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is expected
    assert why in decision.explain()


def test_annotation_naming_a_role_outside_the_sources_is_unknown(tmp_path: Path) -> None:
    text = READER + service_account("elsewhere", role='"arn:aws:iam::111122223333:role/elsewhere"')
    model = load(tmp_path, {"main.tf": text})
    decision = model.aws_can(sa("elsewhere"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is None
    assert "no role in the sources is known to have ARN" in decision.explain()
    with pytest.raises(Indeterminate, match="role arn:aws:iam::111122223333:role/elsewhere"):
        bool(decision)


def test_annotation_that_is_not_a_role_arn_gives_nothing(tmp_path: Path) -> None:
    model = load(tmp_path, {"main.tf": READER + service_account("typo", role='"reader"')})
    decision = model.aws_can(sa("typo"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is False
    assert "that is not an IAM role ARN" in decision.explain()


# --------------------------------------------------------------------------- identity policies (HCL)


POLICIES = PROVIDER + trust("trust") + """
resource "aws_iam_role" "reader" {
  name_prefix          = "reader-"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  permissions_boundary = aws_iam_policy.boundary.arn
  managed_policy_arns  = [aws_iam_policy.queues.arn]
  inline_policy {
    name   = "logs"
    policy = jsonencode({ Version = "2012-10-17", Statement = [
      { Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "*" }] })
  }
}

resource "aws_iam_policy" "s3" {
  name   = "s3"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::reports/secret/*"}
      ]
    }
  EOT
}

resource "aws_iam_role_policy_attachment" "s3" {
  role       = aws_iam_role.reader.name
  policy_arn = aws_iam_policy.s3.arn
}

resource "aws_iam_policy" "queues" {
  name   = "queues"
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = "sqs:*", Resource = "*" }] })
}

resource "aws_iam_policy" "kms" {
  name   = "kms"
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = "kms:Decrypt", Resource = "*" }] })
}

resource "aws_iam_policy_attachment" "kms" {
  name       = "kms"
  policy_arn = aws_iam_policy.kms.arn
  roles      = [aws_iam_role.reader.name]
}

resource "aws_iam_policy" "boundary" {
  name   = "boundary"
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = ["s3:Get*", "s3:List*", "sqs:*", "kms:Decrypt", "logs:*"],
      Resource = "*" }] })
}
""" + service_account("reader")


@pytest.mark.parametrize(("action", "resource", "expected", "why"), [
    # attached by aws_iam_role_policy_attachment, inside the boundary
    ("s3:GetObject", "arn:aws:s3:::reports/x", True, "allowed by Statement[0] of aws_iam_policy.s3"),
    # explicit deny in the same policy wins
    ("s3:GetObject", "arn:aws:s3:::reports/secret/k", False,
     'explicitly denied by Statement[1] (Sid "NoSecrets") of aws_iam_policy.s3'),
    # the identity policy allows s3:*, the boundary does not allow PutObject
    ("s3:PutObject", "arn:aws:s3:::reports/x", False,
     "allows it, but the permissions boundary does not"),
    # managed_policy_arns naming a policy of the sources
    ("sqs:SendMessage", "*", True, "allowed by Statement[0] of aws_iam_policy.queues"),
    # aws_iam_policy_attachment.roles
    ("kms:Decrypt", "*", True, "allowed by Statement[0] of aws_iam_policy.kms"),
    # inline_policy block
    ("logs:PutLogEvents", "*", True, 'of aws_iam_role.reader inline_policy "logs"'),
    # nothing allows it
    ("ec2:RunInstances", "*", False, "implicitly denied: no statement allows it"),
])
def test_identity_policies_and_boundary(tmp_path: Path, action: str, resource: str, expected: bool,
                                        why: str) -> None:
    model = load(tmp_path, {"main.tf": POLICIES})
    decision = model.aws_can(sa("reader"), action, resource)
    assert decision.allowed is expected
    assert why in decision.explain()


def test_a_symbolic_role_name_still_links_its_attachments(tmp_path: Path) -> None:
    model = load(tmp_path, {"main.tf": POLICIES})
    assert "name_prefix" in next(r.values for r in model.resources if r.address == "aws_iam_role.reader")
    assert model.aws_can(sa("reader"), "kms:Decrypt", "*").allowed is True


@pytest.mark.parametrize(("attachment", "action", "expected", "why"), [
    # an AWS managed policy's content is not shipped: unknown, and said so
    ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "s3:GetObject", None,
     "AWS managed policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
    # ... but an explicit deny elsewhere still decides
    ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "s3:DeleteObject", False,
     'explicitly denied by Statement[0] (Sid "NoDelete")'),
    # a customer managed policy the sources do not define: unknown too
    ("arn:aws:iam::111122223333:policy/elsewhere", "s3:GetObject", None,
     "policy arn:aws:iam::111122223333:policy/elsewhere"),
    # a literal ARN naming a policy of the sources by name
    ("arn:aws:iam::111122223333:policy/deletes", "s3:PutObject", True,
     "allowed by Statement[0] of aws_iam_policy.deletes"),
])
def test_attached_policy_arns(tmp_path: Path, attachment: str, action: str, expected: bool | None,
                              why: str) -> None:
    text = READER + f"""
resource "aws_iam_role_policy_attachment" "managed" {{
  role       = "reader"
  policy_arn = "{attachment}"
}}

resource "aws_iam_role_policy" "no_delete" {{
  role   = aws_iam_role.reader.name
  policy = jsonencode({{ Version = "2012-10-17", Statement = [
    {{ Sid = "NoDelete", Effect = "Deny", Action = "s3:DeleteObject", Resource = "*" }}] }})
}}

resource "aws_iam_policy" "deletes" {{
  name   = "deletes"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [
    {{ Effect = "Allow", Action = "s3:PutObject", Resource = "*" }}] }})
}}
"""
    model = load(tmp_path, {"main.tf": text})
    decision = model.aws_can(sa("reader"), action, "arn:aws:s3:::any/x")
    assert decision.allowed is expected
    assert why in decision.explain()
    if "aws:policy" in attachment and expected is None:
        assert "its content is unknown here" in decision.explain()


def test_a_policy_that_may_not_exist_makes_its_grant_unknown(tmp_path: Path) -> None:
    text = READER + """
variable "enabled" {
  type = bool
}

resource "aws_iam_role_policy" "maybe" {
  count  = var.enabled ? 1 : 0
  role   = aws_iam_role.reader.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = "sns:Publish", Resource = "*" }] })
}
"""
    model = load(tmp_path, {"main.tf": text})
    assert model.aws_can(sa("reader"), "sns:Publish", "*").allowed is None
    assert model.aws_can(sa("reader"), "sns:Subscribe", "*").allowed is False
    model = load(tmp_path / "on", {"main.tf": text}, variables={"enabled": True})
    assert model.aws_can(sa("reader"), "sns:Publish", "*").allowed is True


# --------------------------------------------------------------------------- the request context


def test_literal_cidr_conditions_are_not_guessed_for_a_pod(tmp_path: Path) -> None:
    text = READER + """
resource "aws_iam_role_policy" "office" {
  role   = aws_iam_role.reader.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Allow", Action = "sns:Publish", Resource = "*",
      Condition = { IpAddress = { "aws:SourceIp" = "10.0.0.0/8" } } }] })
}
"""
    model = load(tmp_path, {"main.tf": text})
    unknown = model.aws_can(sa("reader"), "sns:Publish", "*")
    assert unknown.allowed is None
    assert "cluster.pod_source_address" in unknown.explain()
    assert model.aws_can(sa("reader"), "sns:Publish", "*",
                         context={"aws:SourceIp": "10.1.2.3"}).allowed is True
    assert model.aws_can(sa("reader"), "sns:Publish", "*",
                         context={"aws:SourceIp": "192.0.2.1"}).allowed is False


def test_context_argument_checked(reader: pfperms.Model) -> None:
    with pytest.raises(InvalidArgument, match="context must be"):
        reader.aws_can(sa("reader"), "s3:GetObject", "*", context="inside")
    with pytest.raises(InvalidArgument, match="service account"):
        reader.aws_can(pfperms.User("alice"), "s3:GetObject", "*")
    with pytest.raises(InvalidArgument, match="service:ActionName"):
        reader.aws_can(sa("reader"), "GetObject", "*")


# --------------------------------------------------------------------------- Panfactum kube_sa_auth_aws


IRSA = PROVIDER + f"""
module "api" {{
  source    = "{PANFACTUM}/kube_deployment"
  name      = "api"
  namespace = "apps"
}}

module "worker" {{
  source    = "{PANFACTUM}/kube_deployment"
  name      = "worker"
  namespace = "apps"
}}

resource "aws_s3_bucket" "uploads" {{
  bucket_prefix = "uploads-"
}}

data "aws_iam_policy_document" "api" {{
  statement {{
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.uploads.arn, "${{aws_s3_bucket.uploads.arn}}/*"]
  }}
  statement {{
    actions   = ["sqs:SendMessage", "ec2:DescribeInstances"]
    resources = ["*"]
  }}
  statement {{
    sid       = "DeleteReports"
    actions   = ["s3:DeleteObject"]
    resources = ["arn:aws:s3:::reports/*"]
  }}
}}

module "api_aws" {{
  source                    = "{PANFACTUM}/kube_sa_auth_aws"
  service_account           = module.api.service_account_name
  service_account_namespace = "apps"
  iam_policy_json           = data.aws_iam_policy_document.api.json
}}
"""


@pytest.fixture
def irsa(tmp_path: Path) -> pfperms.Model:
    return load(tmp_path, {"main.tf": IRSA})


def test_panfactum_random_service_account_links_to_its_role(irsa: pfperms.Model) -> None:
    api = irsa.workload("Deployment/api", namespace="apps")
    decision = api.aws_can("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs")
    assert decision.allowed is True
    text = decision.explain()
    assert "-> role module.api_aws.aws_iam_role.service_account" in text
    assert "trust: module.api_aws.aws_iam_role.service_account lets " in text
    assert "= data.aws_iam_policy_document.api (" in text  # resolved through the caller's document
    # the other deployment's random service account is another account: no annotation
    worker = irsa.workload("Deployment/worker", namespace="apps")
    denied = worker.aws_can("sqs:SendMessage", "*")
    assert denied.allowed is False
    assert "no eks.amazonaws.com/role-arn annotation" in denied.explain()


@pytest.mark.parametrize(("action", "resource", "context", "expected", "why"), [
    # inside the cluster the IP-restriction deny does not apply
    ("ec2:DescribeInstances", "*", None, True, "allowed by Statement[1]"),
    ("s3:DeleteObject", "arn:aws:s3:::reports/a", None, True, 'Sid "DeleteReports"'),
    # from outside: statement 0 denies every non-S3 action (aws:SourceIp)
    ("ec2:DescribeInstances", "*", OUTSIDE_CLUSTER, False,
     "explicitly denied by Statement[0] of module.api_aws.aws_iam_policy.ip_blocks"),
    # ... and statement 1 the listed S3 actions (aws:VpcSourceIp is absent without a VPC endpoint)
    ("s3:DeleteObject", "arn:aws:s3:::reports/a", OUTSIDE_CLUSTER, False,
     "explicitly denied by Statement[1] of module.api_aws.aws_iam_policy.ip_blocks"),
    # a call through an AWS service on the workload's behalf is exempt (BoolIfExists ViaAWSService)
    ("ec2:DescribeInstances", "*", {**outside_cluster(), "aws:ViaAWSService": "true"}, True,
     "allowed by Statement[1]"),
    # a literal address is not known to be outside the cluster's networks: unknown
    ("ec2:DescribeInstances", "*", {"aws:SourceIp": "203.0.113.9"}, None, "cluster.egress_networks"),
    # the symbolic bucket: whether the request's bucket is it is unknown
    ("s3:GetObject", "arn:aws:s3:::uploads-x/k", None, None, "aws_s3_bucket.uploads.arn"),
    # not allowed by any statement, whatever the bucket
    ("s3:PutBucketPolicy", "arn:aws:s3:::uploads-x", None, False, "implicitly denied"),
])
def test_ip_restriction_deny_applies_only_outside(irsa: pfperms.Model, action: str, resource: str,
                                                  context: Any, expected: bool | None,
                                                  why: str) -> None:
    decision = irsa.workload("Deployment/api", namespace="apps").aws_can(action, resource,
                                                                        context=context)
    assert decision.allowed is expected
    assert why in decision.explain()


@pytest.mark.parametrize(("inputs", "address", "expected"), [
    # with the allow list given, an address inside it is not denied even from outside
    ('ip_allow_list = ["203.0.113.0/24"]', "203.0.113.9", True),
    ('ip_allow_list = ["203.0.113.0/24"]', "198.51.100.1", False),
    # without it only the cluster's own networks are allowed
    ("", "203.0.113.9", False),
])
def test_ip_allow_list(tmp_path: Path, inputs: str, address: str, expected: bool) -> None:
    text = IRSA.replace("  iam_policy_json           = data.aws_iam_policy_document.api.json",
                        f"  iam_policy_json           = data.aws_iam_policy_document.api.json\n  {inputs}")
    model = load(tmp_path, {"main.tf": text})
    decision = model.workload("Deployment/api", namespace="apps").aws_can(
        "ec2:DescribeInstances", "*", context=outside_cluster(address))
    assert decision.allowed is expected


@pytest.mark.parametrize(("presigned", "expected"), [("false", False), ("true", None)])
def test_presigned_urls_outside(tmp_path: Path, presigned: str, expected: bool | None) -> None:
    text = IRSA.replace("  iam_policy_json           = data.aws_iam_policy_document.api.json",
                        "  iam_policy_json           = data.aws_iam_policy_document.api.json\n"
                        f"  allow_public_s3_presigned_urls = {presigned}")
    model = load(tmp_path, {"main.tf": text})
    decision = model.workload("Deployment/api", namespace="apps").aws_can(
        "s3:GetObject", "arn:aws:s3:::uploads-x/k", context=OUTSIDE_CLUSTER)
    # denied outside unless presigned URLs are allowed; then it depends on the (symbolic) bucket
    assert decision.allowed is expected


def test_annotate_service_account_false_means_no_irsa(tmp_path: Path) -> None:
    text = IRSA.replace("  iam_policy_json           = data.aws_iam_policy_document.api.json",
                        "  iam_policy_json           = data.aws_iam_policy_document.api.json\n"
                        "  annotate_service_account  = false")
    model = load(tmp_path, {"main.tf": text})
    decision = model.workload("Deployment/api", namespace="apps").aws_can("sqs:SendMessage", "*")
    assert decision.allowed is False


def test_panfactum_trust_is_exactly_that_service_account(irsa: pfperms.Model) -> None:
    role = next(r for r in irsa.resources if r.address == "module.api_aws.aws_iam_role.service_account")
    trust_doc = next(r for r in irsa.resources
                     if r.address == "module.api_aws.data.aws_iam_policy_document.service_account_assume")
    statement = trust_doc.values["rendered"]["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert list(statement["Condition"]) == ["StringEquals"]  # :sub only, no :aud
    (key,) = statement["Condition"]["StringEquals"]
    assert str(key.key).endswith(':sub"')
    assert role.values["max_session_duration"] == 43200
    # the worker's service account, annotated by hand with the api's role, is not trusted
    worker = irsa.workload("Deployment/worker", namespace="apps").service_account
    patched = CloudResource("kubernetes_annotations", "kubernetes_annotations.x", {
        "kind": "ServiceAccount", "name": worker.name, "namespace": "apps",
        "annotations": {"eks.amazonaws.com/role-arn": pfperms.Symbol(
            key="module.api_aws.aws_iam_role.service_account.arn")}}, SourceRef("x.tf", 1))
    access = AwsAccess([*irsa.resources, patched], irsa.objects("ServiceAccount"))
    decision = access.can(worker, "sqs:SendMessage", "*")
    assert decision.allowed is False
    assert "annotated but not trusted" in decision.explain()


def test_default_cluster_symbols_when_no_provider_is_loaded(tmp_path: Path) -> None:
    text = IRSA.replace(PROVIDER, "")
    model = load(tmp_path, {"main.tf": text})
    # the profile's trust names the cluster's provider symbolically, and so does the caller
    assert model.workload("Deployment/api", namespace="apps").aws_can(
        "sqs:SendMessage", "*").allowed is True


def test_several_provider_candidates_agree_or_stay_unknown(tmp_path: Path) -> None:
    text = IRSA + """
resource "aws_iam_openid_connect_provider" "other" {
  url            = "https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER"
  client_id_list = ["sts.amazonaws.com"]
}
"""
    model = load(tmp_path, {"main.tf": text})
    api = model.workload("Deployment/api", namespace="apps")
    # the Panfactum trust names "the cluster", whichever provider that is
    assert api.aws_can("sqs:SendMessage", "*").allowed is True
    assert api.aws_can("sqs:DeleteQueue", "*").allowed is False
    # a role trusting one provider by reference depends on which one is the cluster's
    model = load(tmp_path / "two", {"main.tf": READER + text.replace(PROVIDER, "")})
    decision = model.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is None
    assert "the cluster's OIDC provider is one of 2 candidates" in decision.explain()
    pinned = AwsAccess(model.resources, model.objects("ServiceAccount"),
                       cluster=ClusterOidc(pfperms.Symbol("aws_iam_openid_connect_provider.eks.arn"),
                                           ISSUER))
    assert pinned.can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x").allowed is True


# --------------------------------------------------------------------------- Argo: kube_sa_auth_workflow


WORKFLOW = PROVIDER + f"""
data "aws_iam_policy_document" "extra" {{
  statement {{
    sid       = "Describe"
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"]
  }}
}}

module "build" {{
  source                = "{PANFACTUM}/wf_spec"
  name                  = "build"
  namespace             = "ci"
  extra_aws_permissions = data.aws_iam_policy_document.extra.json
}}

resource "kubectl_manifest" "template" {{
  yaml_body = yamlencode({{
    apiVersion = "argoproj.io/v1alpha1"
    kind       = "WorkflowTemplate"
    metadata   = {{ name = "build", namespace = "ci" }}
    spec       = module.build.workflow_spec
  }})
}}
"""


@pytest.mark.parametrize(("action", "resource", "expected"), [
    # extra_aws_permissions, merged as an override document
    ("ec2:DescribeInstances", "*", True),
    # the artifact bucket comes from a ConfigMap read at apply: unknown
    ("s3:PutObject", "arn:aws:s3:::artifacts/run-1/log", None),
    # granted by neither
    ("ec2:RunInstances", "*", False),
])
def test_argo_workflow_service_account(tmp_path: Path, action: str, resource: str,
                                       expected: bool | None) -> None:
    model = load(tmp_path, {"main.tf": WORKFLOW})
    template = model.workload("WorkflowTemplate/build", namespace="ci")
    decision = template.aws_can(action, resource)
    assert decision.allowed is expected
    if expected is None:
        assert "module.build.module.workflow_perms.local.bucket" in decision.explain()
    # and the Kubernetes half of kube_sa_auth_workflow
    assert template.can("create", "workflowtaskresults", api_group="argoproj.io")


def test_kube_sa_auth_workflow_called_directly(tmp_path: Path) -> None:
    text = WORKFLOW.split('module "build"')[0] + f"""
resource "kubernetes_service_account" "runner" {{
  metadata {{
    name      = "runner"
    namespace = "ci"
  }}
}}

module "runner_perms" {{
  source                    = "{PANFACTUM}/kube_sa_auth_workflow"
  service_account           = kubernetes_service_account.runner.metadata[0].name
  service_account_namespace = "ci"
  extra_aws_permissions     = data.aws_iam_policy_document.extra.json
}}
"""
    model = load(tmp_path, {"main.tf": text})
    runner = sa("runner", "ci")
    assert model.aws_can(runner, "ec2:DescribeInstances", "*").allowed is True
    assert model.aws_can(runner, "ec2:DescribeInstances", "*", context=OUTSIDE_CLUSTER).allowed is False


# --------------------------------------------------------------------------- YAML service accounts


ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/reader"

YAML_ACCOUNTS = f"""
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: apps
  annotations:
    eks.amazonaws.com/role-arn: {ROLE_ARN}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: intruder
  namespace: apps
  annotations:
    eks.amazonaws.com/role-arn: {ROLE_ARN}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: stranger
  namespace: apps
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::999999999999:role/reader
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: plain
  namespace: apps
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reader
  namespace: apps
spec:
  selector:
    matchLabels: {{app: reader}}
  template:
    metadata:
      labels: {{app: reader}}
    spec:
      serviceAccountName: reader
      containers: [{{name: app, image: app}}]
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: nightly
  namespace: apps
spec:
  serviceAccountName: reader
  entrypoint: main
  templates:
  - name: main
    container: {{image: app}}
"""

# the role in Terraform, its trust naming the provider by a literal ARN
ROLE_TF = f"""
resource "aws_iam_openid_connect_provider" "eks" {{
  url            = "https://{ISSUER}"
  client_id_list = ["sts.amazonaws.com"]
}}

resource "aws_iam_role" "reader" {{
  name = "reader"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = {{ Federated = "{PROVIDER_ARN}" }}
      Condition = {{ StringEquals = {{
        "{ISSUER}:sub" = "system:serviceaccount:apps:reader"
        "{ISSUER}:aud" = "sts.amazonaws.com"
      }} }}
    }}]
  }})
}}

resource "aws_iam_role_policy" "read" {{
  role   = aws_iam_role.reader.name
  policy = jsonencode({{ Version = "2012-10-17", Statement = [
    {{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }}] }})
}}
"""


@pytest.mark.parametrize(("who", "action", "expected", "why"), [
    # literal ARN -> the Terraform role of that name; the trust names the provider by literal ARN
    (sa("reader"), "s3:GetObject", True, "-> role aws_iam_role.reader"),
    (sa("reader"), "s3:PutObject", False, "implicitly denied"),
    # annotated with the role, but the trust names reader
    (sa("intruder"), "s3:GetObject", False, "annotated but not trusted"),
    # another account's role of the same name is not the one in the sources
    (sa("stranger"), "s3:GetObject", None, "no role in the sources is known to have ARN"),
    (sa("plain"), "s3:GetObject", False, "no eks.amazonaws.com/role-arn annotation"),
])
def test_yaml_service_accounts_with_terraform_roles(tmp_path: Path, who: ServiceAccount, action: str,
                                                     expected: bool | None, why: str) -> None:
    model = load(tmp_path, {"manifests.yaml": YAML_ACCOUNTS, "iam/main.tf": ROLE_TF})
    decision = model.aws_can(who, action, "arn:aws:s3:::reports/x")
    assert decision.allowed is expected
    assert why in decision.explain()


def test_yaml_workloads_and_argo_workflows(tmp_path: Path) -> None:
    model = load(tmp_path, {"manifests.yaml": YAML_ACCOUNTS, "iam/main.tf": ROLE_TF})
    for ref in ("Deployment/reader", "Workflow/nightly"):
        workload = model.workload(ref, namespace="apps")
        assert workload.aws_can("s3:GetObject", "arn:aws:s3:::reports/x")
        assert not workload.aws_can("s3:DeleteObject", "arn:aws:s3:::reports/x")


def test_yaml_alone_is_unknown(tmp_path: Path) -> None:
    model = load(tmp_path, {"manifests.yaml": YAML_ACCOUNTS})
    decision = model.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is None
    assert f"role {ROLE_ARN}" in decision.indeterminate_message()
    assert model.aws_can(sa("plain"), "s3:GetObject", "arn:aws:s3:::reports/x").allowed is False


def test_yaml_trust_without_a_known_provider(tmp_path: Path) -> None:
    # no provider in the load: the cluster's provider is a symbol, the trust names a literal ARN
    without = ROLE_TF[ROLE_TF.index('resource "aws_iam_role" "reader"'):]
    model = load(tmp_path, {"manifests.yaml": YAML_ACCOUNTS, "iam/main.tf": without})
    decision = model.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is None
    assert "cluster.oidc_provider_arn" in decision.explain()
    # saying which provider is the cluster's makes it definite
    access = AwsAccess(model.resources, model.objects("ServiceAccount"),
                       cluster=ClusterOidc(PROVIDER_ARN, ISSUER))
    assert access.can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x").allowed is True


def test_terraform_annotation_on_a_yaml_service_account(tmp_path: Path) -> None:
    yaml_account = """
apiVersion: v1
kind: ServiceAccount
metadata:
  name: chart-sa
  namespace: apps
"""
    text = READER + """
resource "kubernetes_annotations" "chart_sa" {
  api_version = "v1"
  kind        = "ServiceAccount"
  metadata {
    name      = "chart-sa"
    namespace = "apps"
  }
  annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.reader.arn }
}
"""
    text = text.replace('"system:serviceaccount:apps:reader"', '"system:serviceaccount:apps:chart-sa"')
    model = load(tmp_path, {"chart.yaml": yaml_account, "iam/main.tf": text})
    decision = model.aws_can(sa("chart-sa"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is True
    assert "annotated by kubernetes_annotations.chart_sa" in decision.explain()


def test_network_symbols_are_documented() -> None:
    assert "subnet" in CLUSTER_EGRESS.reason


def test_namespace_wildcard_trust_admits_a_random_panfactum_name(tmp_path: Path) -> None:
    text = PROVIDER + trust("trust", test="StringLike", subjects='["system:serviceaccount:apps:*"]') + f"""
module "api" {{
  source    = "{PANFACTUM}/kube_deployment"
  name      = "api"
  namespace = "apps"
}}

module "web" {{
  source    = "{PANFACTUM}/kube_deployment"
  name      = "web"
  namespace = "web"
}}

resource "aws_iam_role" "apps" {{
  name               = "apps"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  inline_policy {{
    name   = "sqs"
    policy = jsonencode({{ Version = "2012-10-17", Statement = [
      {{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }}] }})
  }}
}}

resource "kubernetes_annotations" "api" {{
  api_version = "v1"
  kind        = "ServiceAccount"
  metadata {{
    name      = module.api.service_account_name
    namespace = "apps"
  }}
  annotations = {{ "eks.amazonaws.com/role-arn" = aws_iam_role.apps.arn }}
}}

resource "kubernetes_annotations" "web" {{
  api_version = "v1"
  kind        = "ServiceAccount"
  metadata {{
    name      = module.web.service_account_name
    namespace = "web"
  }}
  annotations = {{ "eks.amazonaws.com/role-arn" = aws_iam_role.apps.arn }}
}}
"""
    model = load(tmp_path, {"main.tf": text})
    # system:serviceaccount:apps:<16 random hex> is covered by system:serviceaccount:apps:*
    assert model.workload("Deployment/api", namespace="apps").aws_can("sqs:SendMessage", "*").allowed is True
    # system:serviceaccount:web:<random> can never match it
    denied = model.workload("Deployment/web", namespace="web").aws_can("sqs:SendMessage", "*")
    assert denied.allowed is False
    assert "annotated but not trusted" in denied.explain()


def test_yaml_literal_arn_with_a_trust_that_references_the_provider(tmp_path: Path) -> None:
    yaml_account = f"""
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: apps
  annotations:
    eks.amazonaws.com/role-arn: {ROLE_ARN}
"""
    text = READER[:READER.index('resource "kubernetes_deployment"')]
    model = load(tmp_path, {"sa.yaml": yaml_account, "iam/main.tf": text})
    decision = model.aws_can(sa("reader"), "s3:GetObject", "arn:aws:s3:::reports/x")
    assert decision.allowed is True
    # the sources do not say which account the role is in: the assumption is stated
    assert f"the annotation's account {ACCOUNT} is taken to be the account of aws_iam_role.reader" in \
        decision.explain()


def test_jsonencode_policy_holding_symbols_keeps_its_statements(tmp_path: Path) -> None:
    text = READER + """
resource "aws_s3_bucket" "uploads" {
  bucket_prefix = "uploads-"
}

resource "aws_iam_role_policy" "uploads" {
  role = aws_iam_role.reader.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "s3:PutObject", Resource = "${aws_s3_bucket.uploads.arn}/*" },
      { Effect = "Allow", Action = "sns:Publish", Resource = "*" },
    ]
  })
}
"""
    model = load(tmp_path, {"main.tf": text})
    reader = sa("reader")
    assert model.aws_can(reader, "sns:Publish", "*").allowed is True
    assert model.aws_can(reader, "ec2:RunInstances", "*").allowed is False
    unknown = model.aws_can(reader, "s3:PutObject", "arn:aws:s3:::uploads-abc/x")
    assert unknown.allowed is None
    assert "aws_s3_bucket.uploads.arn" in unknown.explain()


def test_jsonencode_trust_policy_naming_the_provider(tmp_path: Path) -> None:
    text = PROVIDER + """
resource "aws_iam_role" "app" {
  name = "app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.eks.arn }
      Condition = { StringEquals = { "${local.oidc}:sub" = "system:serviceaccount:apps:app" } }
    }]
  })
  inline_policy {
    name   = "sns"
    policy = jsonencode({ Version = "2012-10-17", Statement = [
      { Effect = "Allow", Action = "sns:Publish", Resource = "*" }] })
  }
}
""" + service_account("app", role="aws_iam_role.app.arn") + service_account("other", role="aws_iam_role.app.arn")
    model = load(tmp_path, {"main.tf": text})
    assert model.aws_can(sa("app"), "sns:Publish", "*").allowed is True
    assert model.aws_can(sa("other"), "sns:Publish", "*").allowed is False


@pytest.mark.parametrize("name_argument", ['name = null\n  name_prefix = "reader-"', 'name_prefix = "reader-"', ""])
def test_a_role_whose_name_the_provider_generates_keeps_its_policies(tmp_path: Path, name_argument: str) -> None:
    """terraform-aws-modules style: ``name = var.use_name_prefix ? null : var.name`` next to
    ``name_prefix``. The role's name is generated at apply, never null (issue 9)."""
    model = load(tmp_path, {"main.tf": PROVIDER + trust("trust") + f"""
resource "aws_iam_role" "reader" {{
  {name_argument}
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}

resource "aws_iam_role_policy_attachment" "read" {{
  role       = aws_iam_role.reader.name
  policy_arn = aws_iam_policy.read.arn
}}

resource "aws_iam_policy" "read" {{
  name_prefix = "read-"
  policy      = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }}]
  }})
}}
""" + service_account("reader")})
    reader = ServiceAccount("apps", "reader")
    decision = model.aws_can(reader, "s3:GetObject", "arn:aws:s3:::reports/a")
    assert decision.allowed is True, decision.explain()
    assert model.aws_can(reader, "s3:PutObject", "arn:aws:s3:::reports/a").allowed is False


def test_a_condition_key_known_only_after_apply_is_a_symbol_not_a_crash(tmp_path: Path) -> None:
    # terraform-aws-modules style: the cluster tag key is built from a variable
    model = load(tmp_path, {"main.tf": PROVIDER + trust("trust") + service_account("reader") + """
variable "cluster_name" { type = string }

resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

data "aws_iam_policy_document" "nodes" {
  statement {
    actions   = ["ec2:TerminateInstances"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/kubernetes.io/cluster/${var.cluster_name}"
      values   = ["owned"]
    }
  }
}

resource "aws_iam_role_policy" "nodes" {
  role   = aws_iam_role.reader.name
  policy = data.aws_iam_policy_document.nodes.json
}
"""})
    instance = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"
    decision = model.aws_can(sa("reader"), "ec2:TerminateInstances", instance)
    assert decision.allowed is None  # which tag key it tests is known only after apply
    assert "var.cluster_name" in decision.explain()
    # whatever the key turns out to be, an action no statement names is denied
    assert model.aws_can(sa("reader"), "ec2:RunInstances", instance).allowed is False
