"""Under ``pytest -n``, with the built-in pack on, the built-in checks run on one worker (they
share their work) and every other item spreads as xdist's ``load`` spreads it; any other
``--dist`` is left as chosen."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

pytest_plugins = ["pytester"]

ACCOUNTS = "".join(textwrap.dedent(f"""\
    ---
    apiVersion: v1
    kind: ServiceAccount
    metadata: {{name: app-{index}, namespace: team-{index}}}
    """) for index in range(6))

TESTS = textwrap.dedent("""\
    import time

    import pytest
    from pytest_pfperms import ServiceAccount

    @pytest.mark.parametrize("index", range(12))
    def test_an_account_reads_no_secrets(pfperms, index):
        time.sleep(0.15)  # longer than the built-in checks of this small model take
        who = ServiceAccount(f"team-{index % 6}", f"app-{index % 6}")
        assert not pfperms.can(who, "get", "secrets", namespace="team-0")
    """)


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yaml", accounts=ACCOUNTS)
    pytester.makeini("[pytest]\npfperms_paths = accounts.yaml\npfperms_builtin_policies = recommended\n")
    pytester.makepyfile(test_accounts=TESTS)
    return pytester


def workers_of(output: str) -> dict[str, set[str]]:
    """Node id -> the workers that ran it, from ``-v`` output."""
    ran: dict[str, set[str]] = {}
    for worker, nodeid in re.findall(r"^\[(gw\d+)\] \[\s*\d+%\] PASSED (\S+)", output, re.M):
        ran.setdefault(nodeid, set()).add(worker)
    return ran


def test_the_built_in_checks_run_on_one_worker_and_the_rest_spreads(repo: pytest.Pytester) -> None:
    result = repo.runpytest_subprocess("-n", "2", "-v", "-p", "no:cacheprovider")
    ran = workers_of(result.stdout.str())
    builtins = {nodeid: workers for nodeid, workers in ran.items() if nodeid.startswith("pfperms-builtin::")}
    assert len(builtins) >= 20, result.stdout.str()
    assert len(set.union(*builtins.values())) == 1, builtins
    others = set.union(*(workers for nodeid, workers in ran.items() if nodeid not in builtins))
    assert others == {"gw0", "gw1"}, "the other items spread over both workers"
    assert len(ran) == len(builtins) + 12 and all(len(workers) == 1 for workers in ran.values())


def test_another_dist_mode_is_left_as_chosen(repo: pytest.Pytester) -> None:
    """``--dist each`` runs every item on every worker, the built-ins too."""
    result = repo.runpytest_subprocess("-n", "2", "--dist", "each", "-v", "-p", "no:cacheprovider")
    ran = workers_of(result.stdout.str())
    assert ran and all(workers == {"gw0", "gw1"} for workers in ran.values()), ran


CONTROLLER_MODULES = textwrap.dedent("""\
    import json, sys

    def pytest_sessionfinish(session):
        if not hasattr(session.config, "workerinput"):  # the xdist controller
            with open("controller-modules.json", "w") as file:
                json.dump(sorted(m for m in sys.modules if m.startswith("pytest_pfperms")), file)
    """)


def test_the_controller_imports_no_engine_while_the_workers_run_the_pack(repo: pytest.Pytester) -> None:
    repo.makeconftest(CONTROLLER_MODULES)
    result = repo.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=12 + 21)
    imported = json.loads((repo.path / "controller-modules.json").read_text())
    assert "pytest_pfperms.policies.builtin.ids" in imported  # the options were checked there
    heavy = [name for name in imported if name.split(".")[1:2] in (["kubernetes"], ["aws"], ["vault"],
                                                                    ["sources"], ["query"], ["escalation"])
             or name.startswith(("pytest_pfperms.policies.builtin.registry",
                                 "pytest_pfperms.policies.evaluation"))]
    assert heavy == [], heavy


def test_an_unknown_built_in_id_is_a_usage_error_in_the_controller(repo: pytest.Pytester) -> None:
    result = repo.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider",
                                       "--pfperms-builtin-policies", "recommended,PF-K8S-0014")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pfperms_builtin_policies: no built-in policy 'PF-K8S-0014'; "
                                 "did you mean 'PF-K8S-014'?*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
