"""Importing the package or the plugin imports nothing heavy until a name is used.

pytest imports every installed plugin at start-up; the permission engines, the loaders and
the built-in pack are imported when a test first asks for a model or a policy item runs.
Each check runs in a fresh interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infra" / "manifests"


def _run(code: str, cwd: Path) -> object:
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_plugin_imports_only_the_plugin(tmp_path: Path) -> None:
    imported = _run("import sys, json, pytest_pfperms.testing.plugin\n"
                    "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pytest_pfperms'))))",
                    tmp_path)
    assert imported == ["pytest_pfperms", "pytest_pfperms.testing", "pytest_pfperms.testing.lock_item",
                        "pytest_pfperms.testing.plugin", "pytest_pfperms.testing.policy_items"]


def test_collecting_an_empty_directory_imports_no_engine(tmp_path: Path) -> None:
    code = ("import sys, json, pytest\n"
            "pytest.main(['--co', '-q'])\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('pytest_pfperms'))))")
    imported = _run(code, tmp_path)
    assert isinstance(imported, list) and "pytest_pfperms.testing.plugin" in imported
    heavy = [m for m in imported if m.split(".")[1:2] in (["kubernetes"], ["aws"], ["vault"], ["policies"],
                                                          ["sources"])]
    assert heavy == []


def test_the_first_name_used_brings_the_whole_public_api(tmp_path: Path) -> None:
    code = ("import json, pytest_pfperms as pfperms\n"
            f"model = pfperms.load({str(EXAMPLE)!r})\n"
            "from pytest_pfperms import strategies, ServiceAccount\n"
            "names = [n for n in pfperms.__all__ if not hasattr(pfperms, n)]\n"
            "reach = model.reach(ServiceAccount('ci', 'deployer'))\n"
            "print(json.dumps([names, type(reach).__name__, 'forall' in dir(pfperms),"
            " hasattr(strategies, 'manifests')]))")
    assert _run(code, tmp_path) == [[], "Reach", True, True]


def test_a_model_loaded_through_the_loader_alone_can_reach(tmp_path: Path) -> None:
    """The fixture imports only the loader: the escalation search must come with it."""
    code = ("import json\n"
            "from pytest_pfperms.sources.loading import load\n"
            "from pytest_pfperms.model.identities import ServiceAccount\n"
            f"model = load({str(EXAMPLE)!r})\n"
            "print(json.dumps(type(model.reach(ServiceAccount('ci', 'deployer'))).__name__))")
    assert _run(code, tmp_path) == "Reach"


def test_an_unknown_name_is_an_attribute_error(tmp_path: Path) -> None:
    code = ("import json, pytest_pfperms\n"
            "try:\n    pytest_pfperms.no_such_name\nexcept AttributeError as error:\n"
            "    print(json.dumps(str(error)))")
    assert _run(code, tmp_path) == "module 'pytest_pfperms' has no attribute 'no_such_name'"


def test_loading_valid_manifests_imports_no_schema_validator(tmp_path: Path) -> None:
    """jsonschema (0.04 s) is imported for the first document with a problem, for its message."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "role.yaml").write_text("kind: Role\napiVersion: rbac.authorization.k8s.io/v1\n"
                                                "metadata: {name: r, namespace: a}\nrules: [{verbs: get}]\n")
    code = ("import sys, json, pytest_pfperms as pfperms\n"
            f"pfperms.load({str(EXAMPLE)!r})\n"
            "before = 'jsonschema' in sys.modules\n"
            "try:\n"
            "    pfperms.load('bad')\n"
            "except pfperms.LoadError as error:\n"
            "    message = str(error)\n"
            "print(json.dumps([before, 'jsonschema' in sys.modules, message]))")
    outcome = _run(code, tmp_path)
    assert isinstance(outcome, list) and outcome[:2] == [False, True]
    assert 'rules[0].verbs: expected a list of strings, got "get"' in outcome[2]
