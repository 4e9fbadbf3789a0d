"""``forall``: invariants over a whole repo, checked exhaustively or by Hypothesis, failing with the
counterexample's explanation."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable

import pytest
from corpus_support import CORPUS, PROJECTS, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms import ResourceRequest, ServiceAccount, forall
from pytest_pfperms import strategies as pst
from pytest_pfperms.testing.question_space import OUTSIDER, RequestSpace, Vocabulary, vocabulary

pytest_plugins = ["pytester"]

REPO = textwrap.dedent("""\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: vault, namespace: vault}
    ---
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: deployer, namespace: ci}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: apps}
    spec:
      template:
        spec: {serviceAccountName: web}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: secret-reader, namespace: vault}
    rules:
    - {apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: vault-reads-secrets, namespace: vault}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
    subjects: [{kind: ServiceAccount, name: vault}]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: ci-reads-secrets, namespace: vault}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
    subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: pod-viewer}
    rules:
    - {apiGroups: [""], resources: [pods], verbs: [get, list]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: everyone-views-pods}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-viewer}
    subjects: [{kind: Group, name: system:serviceaccounts}]
    """)

READS = ["get", "list", "watch"]


def outside_vault(who: object) -> bool:
    return isinstance(who, ServiceAccount) and who.namespace != "vault"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> pfperms.Model:
    directory = tmp_path_factory.mktemp("repo")
    (directory / "rbac.yaml").write_text(REPO, encoding="utf-8")
    return pfperms.load(directory, cluster_defaults=False)


def test_a_small_space_is_checked_case_by_case(model: pfperms.Model) -> None:
    space = forall(model, subjects=outside_vault, verbs=READS, resources=["secrets"], namespaces=["vault"])
    assert space.size == 15 and space.exhaustive
    with pytest.raises(pfperms.InvariantViolation) as raised:
        space.cannot()
    lines = str(raised.value).splitlines()
    assert lines[0] == ("invariant violated: expected every case to be denied; "
                        "3 of 15 cases (checked exhaustively) are not:")
    assert lines[1] == "ServiceAccount ci/deployer CAN get secrets in namespace vault"
    assert lines[2].startswith("  RoleBinding vault/ci-reads-secrets (subject ServiceAccount ci/deployer)")
    assert lines[2].endswith("rbac.yaml:28")
    assert lines[3].startswith("  └─ Role vault/secret-reader")
    assert lines[4].startswith('     └─ rule 0: apiGroups [""] resources ["secrets"] verbs ["get", "list", '
                               '"watch"]')
    assert lines[5:] == [
        "  to fix: narrow the rule or remove the binding named above",
        "  (expected: cannot)",
        "other counterexamples:",
        "  ServiceAccount ci/deployer CAN list secrets in namespace vault",
        "  ServiceAccount ci/deployer CAN watch secrets in namespace vault",
        "the space: 5 subjects (filtered from 8) x 3 requests (3 verbs x 1 resource x 1 namespace x "
        "1 name)",
    ]
    violation = raised.value
    assert violation.who == ServiceAccount("ci", "deployer")
    assert violation.request == ResourceRequest("get", "", "secrets", "", "vault", "")
    assert violation.checked == pfperms.Checked(15, 15, True, 3)
    assert isinstance(violation, AssertionError)


def test_a_holding_invariant_says_how_it_was_checked(model: pfperms.Model) -> None:
    checked = forall(model, subjects=lambda who: outside_vault(who) and who.namespace != "ci",
                     verbs=READS, resources=["secrets"], namespaces=["vault"]).cannot()
    assert checked == pfperms.Checked(9, 9, True, 0)
    assert str(checked) == "checked exhaustively: 9 cases"
    assert forall(model, subjects=[ServiceAccount("vault", "vault")], verbs=READS,
                  resources=["secrets"], namespaces=["vault"]).can().cases == 3


def test_the_default_space_is_what_the_repo_mentions_plus_outsiders(model: pfperms.Model) -> None:
    space = forall(model)
    subjects = space.subjects()
    assert subjects[:2] == [ServiceAccount("apps", "default"), ServiceAccount("apps", "web")]
    assert ServiceAccount(OUTSIDER, OUTSIDER) in subjects
    assert {r.namespace for r in space.requests() if isinstance(r, ResourceRequest)} == \
        {"apps", "ci", "vault", OUTSIDER, ""}
    assert repr(space) == ("<ForAll 8 subjects x 31 requests (3 verbs x 2 resources x 5 namespaces "
                           "(one of them cluster scope) x 1 name, plus 1 non-resource request)>")


def test_a_large_space_is_left_to_hypothesis_which_shrinks_to_the_simplest_case(model: pfperms.Model) -> None:
    space = forall(model, subjects=outside_vault, verbs=READS, resources=["secrets"], namespaces=["vault"],
                   exhaustive_limit=10)
    assert not space.exhaustive
    with pytest.raises(pfperms.InvariantViolation) as raised:
        space.cannot()
    lines = str(raised.value).splitlines()
    assert lines[0].startswith("invariant violated: expected every case to be denied; Hypothesis found a "
                               "case that is not, after ")
    assert lines[0].endswith(" cases drawn from 15 cases, and shrank it to the simplest:")
    assert lines[1] == "ServiceAccount ci/deployer CAN get secrets in namespace vault"
    assert not raised.value.checked.exhaustive


def test_a_predicate_can_state_any_invariant(model: pfperms.Model) -> None:
    space = forall(model, subjects=lambda who: isinstance(who, ServiceAccount), resources=["pods"])

    def only_pods_are_shared(who: object, request: object, decision: pfperms.Decision) -> bool:
        return decision.allowed is (request.verb in ("get", "list"))  # type: ignore[attr-defined]

    assert space.check(only_pods_are_shared).exhaustive
    with pytest.raises(pfperms.InvariantViolation, match=r"^invariant violated: expected nobody to list pods"):
        space.check(lambda who, request, decision: not decision.allowed, "nobody to list pods")


def test_workloads_and_strategies_can_form_the_space(model: pfperms.Model) -> None:
    web = model.workload("Deployment/web")
    assert forall(model, subjects=[web], resources=["secrets"]).cannot().exhaustive
    checked = forall(model, subjects=pst.subjects(model=model), requests=pst.requests(model=model),
                     max_examples=50).check(lambda who, request, decision: decision.allowed is not None)
    assert not checked.exhaustive and checked.space is None and checked.cases == 50


def test_an_unknown_answer_is_not_a_proof() -> None:
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "reads", "namespace": pst.HclExpression("var.namespace")},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "apps"}]}
    reader = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
              "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}
    symbolic = pst.load_manifests([reader, binding], format="hcl")
    with pytest.raises(pfperms.InvariantViolation) as raised:
        forall(symbolic, subjects=[ServiceAccount("apps", "web")], verbs=["get"], resources=["secrets"],
               namespaces=["vault"]).cannot()
    lines = str(raised.value).splitlines()
    assert lines[1] == ("cannot tell whether ServiceAccount apps/web can get secrets in namespace vault: "
                        "the answer depends on values not known here")
    assert lines[2].startswith("  var.namespace: input variable namespace has no value")


@pytest.mark.parametrize("count", [1, 2, 3, 8, 12])
def test_shards_split_the_space_into_disjoint_parts_that_cover_it(model: pfperms.Model, count: int) -> None:
    whole = forall(model, verbs=READS, resources=["secrets"], namespaces=["vault"])
    shards = [forall(model, verbs=READS, resources=["secrets"], namespaces=["vault"], shard=(index, count))
              for index in range(count)]
    cases = [case for shard in shards for case in shard.cases()]
    assert sorted(cases, key=repr) == sorted(whole.cases(), key=repr)
    assert len(set(map(repr, cases))) == len(cases)
    sizes = [len(shard.subjects()) for shard in shards]
    assert max(sizes) - min(sizes) <= 1  # as even as the subjects allow (8 subjects: 12 shards, 4 empty)
    assert repr(shards[0]).startswith(f"<ForAll shard 1 of {count}: {sizes[0]} subject")


def test_a_violation_fails_exactly_the_shard_holding_it(model: pfperms.Model) -> None:
    outcomes = []
    for index in range(4):
        space = forall(model, subjects=outside_vault, verbs=READS, resources=["secrets"],
                       namespaces=["vault"], shard=(index, 4))
        try:
            space.cannot()
            outcomes.append(None)
        except pfperms.InvariantViolation as violation:
            outcomes.append(violation.who)
            assert "the space: shard " in str(violation)
    assert [who for who in outcomes if who is not None] == [ServiceAccount("ci", "deployer")]


def test_shards_are_the_same_in_every_process(model: pfperms.Model, pytester: pytest.Pytester) -> None:
    """xdist workers each build the space: a shard must not depend on hash randomisation."""
    pytester.makefile(".yaml", rbac=REPO)
    script = ("import pytest_pfperms as p\n"
              "m = p.load('.', cluster_defaults=False)\n"
              "print([str(w) for w in p.forall(m, shard=(1, 3)).subjects()])\n")
    printed = {pytester.run(sys.executable, "-c", script, timeout=60).stdout.str().strip()
               for _ in range(2)}
    expected = str([str(who) for who in forall(model, shard=(1, 3)).subjects()])
    assert printed == {expected}


@pytest.mark.parametrize(("arguments", "message"), [
    ({"shard": (3, 3)}, "shard=(3, 3): the count must be at least 1 and the index from 0 to count - 1"),
    ({"shard": (0, 0)}, "shard=(0, 0): the count must be at least 1"),
    ({"shard": [0, 2]}, "shard must be a pair (index, count) of integers"),
    ({"shard": (0, 2), "subjects": st.just(ServiceAccount("ci", "deployer"))}, "subjects drawn from a strategy cannot be split"),
    ({"subjects": lambda who: False}, "no subject is left in the space: the subjects= filter rejects every one"),
    ({"requests": [], "verbs": ["get"]}, "requests= given as a list or strategy replaces the model's requests"),
    ({"resources": ["widgets"]}, "resources: resource 'widgets' is not a core resource"),
    ({"namespaces": "vault"}, "namespaces must be a list of namespace names"),
    ({"exhaustive_limit": -1}, "exhaustive_limit must be at least 0, not -1"),
    ({"requests": ["get pods"]}, "requests must hold ResourceRequest or NonResourceRequest objects"),
])
def test_bad_arguments(model: pfperms.Model, arguments: dict[str, object], message: str) -> None:
    with pytest.raises(pfperms.InvalidArgument) as raised:
        forall(model, **arguments)  # type: ignore[arg-type]
    assert message in str(raised.value)


def test_forall_needs_a_model() -> None:
    with pytest.raises(pfperms.InvalidArgument, match=r"model must be a Model from pytest_pfperms\.load"):
        forall("k8s/")  # type: ignore[arg-type]


def test_a_users_invariant_fails_with_the_explanation(pytester: pytest.Pytester) -> None:
    (pytester.path / "rbac.yaml").write_text(REPO, encoding="utf-8")
    pytester.makeini("[pytest]\npfperms_paths = rbac.yaml\npfperms_cluster_defaults = false\n")
    pytester.makepyfile(test_my_repo_invariants=textwrap.dedent("""\
        from pytest_pfperms import ServiceAccount, forall

        def test_no_one_outside_vault_reads_its_secrets(pfperms):
            forall(pfperms, subjects=lambda who: isinstance(who, ServiceAccount) and who.namespace != "vault",
                   verbs=["get", "list", "watch"], resources=["secrets"], namespaces=["vault"]).cannot()
        """))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        ">*).cannot()",
        "E *InvariantViolation: invariant violated: expected every case to be denied; 3 of 15 cases "
        "(checked exhaustively) are not:",
        "E *ServiceAccount ci/deployer CAN get secrets in namespace vault",
        "E *  RoleBinding vault/ci-reads-secrets (subject ServiceAccount ci/deployer)  rbac.yaml:28",
        "E *(expected: cannot)",
        "E *the space: 5 subjects (filtered from 8) x 3 requests*",
        "",
        "test_my_repo_invariants.py:5: InvariantViolation",
    ])


@given(verbs=st.lists(st.sampled_from(["get", "list", "create", "*"]), max_size=3, unique=True),
       resources=st.lists(st.sampled_from([("", "pods", ""), ("apps", "deployments", "scale"),
                                           ("", "secrets", "")]), max_size=3, unique=True),
       namespaces=st.lists(st.sampled_from(["a", "b", None]), max_size=3, unique=True),
       names=st.lists(st.sampled_from(["", "x", "y"]), max_size=2, unique=True),
       urls=st.lists(st.sampled_from(["/healthz", "/metrics"]), max_size=2, unique=True),
       url_verbs=st.lists(st.sampled_from(["get", "post"]), max_size=2, unique=True))
def test_the_request_space_is_the_vocabularys_requests_by_position(
        verbs: list[str], resources: list[tuple[str, str, str]], namespaces: list[str | None],
        names: list[str], urls: list[str], url_verbs: list[str]) -> None:
    """Indexing the lazy space gives the requests iterating the vocabulary gives, in its order."""
    words = Vocabulary((), tuple(verbs), tuple(resources), tuple(namespaces), tuple(names), tuple(urls),
                       tuple(url_verbs))
    space = RequestSpace(words)
    listed = list(words.requests())
    assert len(space) == len(listed)
    assert [space[position] for position in range(len(space))] == listed == list(space)
    assert [space[-position] for position in range(1, len(space) + 1)] == listed[::-1]
    assert space[1:5:2] == listed[1:5:2]
    for outside in (len(listed), -len(listed) - 1):
        with pytest.raises(IndexError):
            space[outside]


def test_a_whole_space_is_drawn_from_without_being_built(model: pfperms.Model,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A large default space is indexed, never iterated: drawing 50 cases builds about 50 requests."""
    built: list[int] = []
    original = RequestSpace.__getitem__

    def counted(self: RequestSpace, index: int) -> object:
        built.append(index)
        return original(self, index)

    def refused(self: RequestSpace) -> object:
        raise AssertionError("the whole space was iterated")

    monkeypatch.setattr(RequestSpace, "__getitem__", counted)
    monkeypatch.setattr(RequestSpace, "__iter__", refused)
    space = forall(model, exhaustive_limit=0, max_examples=50)
    assert space.size == 248 and not space.exhaustive
    space.check(lambda who, request, decision: decision.allowed is not None, "known")
    assert 0 < len(built) <= 60


def test_drawn_shards_draw_their_share_of_the_cases(model: pfperms.Model) -> None:
    """Four shards of a space handed to Hypothesis draw what the whole draws, a quarter each."""
    whole = forall(model, exhaustive_limit=0, max_examples=100).check(
        lambda who, request, decision: decision.allowed is not None, "known")
    shards = [forall(model, exhaustive_limit=0, max_examples=100, shard=(index, 4)).check(
        lambda who, request, decision: decision.allowed is not None, "known") for index in range(4)]
    assert whole.cases == 100 and not whole.exhaustive
    assert [shard.cases for shard in shards] == [25] * 4
    assert sum(shard.space or 0 for shard in shards) == whole.space


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_real_question_spaces_are_indexed_as_they_are_listed(project: str) -> None:
    """On each project of the rendered corpus, the default space's requests by position are the
    vocabulary's requests in order (every position for small spaces, a spread of them otherwise)."""
    model = pfperms.load(CORPUS / project, allow_partial=True)
    words = vocabulary(model, outsiders=True)
    space = RequestSpace(words)
    listed = list(words.requests())
    assert len(space) == len(listed) > 0
    step = max(1, len(listed) // 5_000)
    assert [space[position] for position in range(0, len(listed), step)] == listed[::step]
    assert space[-1] == listed[-1]
    assert forall(model).size == len(words.subjects) * len(listed)


def _outcome(run: Callable[[], object]) -> tuple[object, ...]:
    """What a check ends with: its Checked, or the violation's counts, case and answer."""
    try:
        checked = run()
    except pfperms.InvariantViolation as violation:
        return ("violated", violation.checked, violation.who, violation.request, violation.decision.allowed)
    return ("held", checked)


def _same_by_answer_and_by_predicate(space: pfperms.ForAll) -> None:
    """``can()``/``cannot()`` settle a case from the answer alone; ``check()`` with the same
    predicate builds every Decision: they must end alike."""
    assert space.exhaustive
    assert _outcome(space.cannot) == _outcome(
        lambda: space.check(lambda _who, _request, decision: decision.allowed is False))
    assert _outcome(space.can) == _outcome(
        lambda: space.check(lambda _who, _request, decision: decision.allowed is True))


@settings(max_examples=150, deadline=None)
@given(manifests=pst.manifests(verbs=["get", "list", "create", "*"], max_bindings=5),
       resources=st.lists(st.sampled_from(["secrets", "pods", "pods/exec", "deployments.apps", "nodes"]),
                          min_size=1, max_size=3, unique=True))
def test_can_and_cannot_answer_as_the_predicate_would(manifests: list[dict[str, object]],
                                                      resources: list[str]) -> None:
    model = pst.load_manifests(manifests)
    _same_by_answer_and_by_predicate(forall(model, resources=resources))
    _same_by_answer_and_by_predicate(forall(model))


def test_can_and_cannot_answer_as_the_predicate_would_with_unknowns() -> None:
    reader = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"},
              "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "reads", "namespace": pst.HclExpression("var.namespace")},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "apps"}]}
    symbolic = pst.load_manifests([reader, binding], format="hcl")
    space = forall(symbolic, verbs=["get", "list"], resources=["secrets"])
    assert _outcome(space.cannot)[0] == "violated"  # an unknown answer is no proof either way
    _same_by_answer_and_by_predicate(space)


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_can_and_cannot_answer_as_the_predicate_would_on_real_manifests(project: str) -> None:
    model = pfperms.load(CORPUS / project, allow_partial=True)
    namespaces = sorted(model.known_namespaces)[:4]
    _same_by_answer_and_by_predicate(forall(model, verbs=["get", "list", "create"],
                                            resources=["secrets", "pods/exec", "serviceaccounts/token"],
                                            namespaces=[*namespaces, None]))
