"""The CI examples of the README and the shipped ``.pre-commit-hooks.yaml``: each parses, has
the shape its CI system accepts, and every ``pfperms`` command in it is one the CLI takes."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from pytest_pfperms.cli.arguments import parser
from pytest_pfperms.cli.exits import UsageError

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

STEP = {"type": "object",
        "properties": {"uses": {"type": "string", "pattern": r"^[\w.-]+/[\w./-]+@[\w.-]+$"},
                       "run": {"type": "string"}, "with": {"type": "object"},
                       "if": {"type": "string"}, "name": {"type": "string"}},
        "additionalProperties": False,
        "oneOf": [{"required": ["uses"], "not": {"required": ["run"]}},
                  {"required": ["run"], "not": {"required": ["uses"]}}]}
GITHUB_WORKFLOW = {  # the part of GitHub's workflow syntax the example uses
    "type": "object", "required": ["on", "jobs"], "additionalProperties": False,
    "properties": {
        "name": {"type": "string"}, "on": {}, "permissions": {"type": "object"},
        "jobs": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["runs-on", "steps"], "additionalProperties": False,
            "properties": {"runs-on": {"type": "string"},
                           "steps": {"type": "array", "minItems": 1, "items": STEP}}}}}}
GITLAB_JOB = {
    "type": "object", "required": ["script"], "additionalProperties": False,
    "properties": {"image": {"type": "string"}, "stage": {"type": "string"},
                   "variables": {"type": "object", "additionalProperties": {"type": "string"}},
                   "script": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                   "artifacts": {"type": "object", "properties": {
                       "when": {"enum": ["always", "on_success", "on_failure"]},
                       "reports": {"type": "object"}, "paths": {"type": "array"}}}}}
PRE_COMMIT_HOOK = {  # pre-commit's manifest: the required keys and the types of the ones used
    "type": "object", "required": ["id", "name", "entry", "language"],
    "properties": {"id": {"type": "string", "pattern": r"^[a-z0-9-]+$"}, "name": {"type": "string"},
                   "entry": {"type": "string"}, "language": {"enum": ["python", "system"]},
                   "pass_filenames": {"type": "boolean"}, "files": {"type": "string"},
                   "args": {"type": "array", "items": {"type": "string"}},
                   "description": {"type": "string"}}, "additionalProperties": False}


def example(name: str) -> Any:
    """The YAML block after ``<!-- ci-example: NAME -->`` in the README."""
    match = re.search(rf"<!-- ci-example: {name} -->\n```yaml\n(.*?)```", README, re.S)
    assert match, f"the README has no {name} example"
    return yaml.safe_load(match.group(1))


def pfperms_commands(lines: list[str]) -> list[list[str]]:
    """The arguments of every ``pfperms`` command in shell lines (redirections dropped)."""
    commands = []
    for line in lines:
        if not line.startswith("pfperms "):
            continue
        line = re.sub(r"\$\{\{[^}]*\}\}", "main", line)  # GitHub substitutes ${{ }} before the shell
        words = shlex.split(re.split(r"\s>>?\s", line)[0])
        commands.append(words[1:])
    return commands


def assert_the_cli_takes(arguments: list[str]) -> None:
    try:
        parser().parse_args(arguments)
    except UsageError as error:  # pragma: no cover - the failure message
        pytest.fail(f"pfperms {' '.join(arguments)}: {error}")


def test_the_github_actions_workflow_has_githubs_shape_and_real_commands() -> None:
    workflow = example("github-actions")
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    jsonschema.validate(workflow, GITHUB_WORKFLOW)
    steps = workflow["jobs"]["pfperms"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    commands = pfperms_commands(runs)
    assert [c[0] for c in commands] == ["diff", "check"]
    for arguments in commands:
        assert_the_cli_takes(arguments)
    upload = next(i for i, step in enumerate(steps) if "upload-sarif" in step.get("uses", ""))
    check = next(i for i, step in enumerate(steps) if step.get("run", "").startswith("pfperms check"))
    assert check < upload and steps[upload]["with"]["sarif_file"] in steps[check]["run"]
    assert steps[upload]["if"] == "always()"  # findings are uploaded when the gate fails
    assert steps[0]["with"]["fetch-depth"] == 0  # diff needs the base revision


def test_the_gitlab_job_has_gitlabs_shape_and_real_commands() -> None:
    job = example("gitlab-ci")["pfperms"]
    jsonschema.validate(job, GITLAB_JOB)
    commands = pfperms_commands(job["script"])
    assert [c[0] for c in commands] == ["diff", "check"]
    for arguments in commands:
        assert_the_cli_takes(arguments)
    assert job["artifacts"]["reports"]["junit"] in " ".join(job["script"])


def test_the_shipped_pre_commit_hooks_are_valid_and_run_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["pfperms-check", "pfperms-lock"]
    for hook in hooks:
        jsonschema.validate(hook, PRE_COMMIT_HOOK)
        assert hook["pass_filenames"] is False
        assert re.search(hook["files"], "terraform/main.tf") and re.search(hook["files"], "k8s/rbac.yaml")
        assert_the_cli_takes([*shlex.split(hook["entry"])[1:], *hook["args"]])
    configured = example("pre-commit")["repos"][0]["hooks"]
    assert {hook["id"] for hook in configured} == {hook["id"] for hook in hooks}
    for hook in configured:
        entry = next(h["entry"] for h in hooks if h["id"] == hook["id"])
        assert_the_cli_takes([*shlex.split(entry)[1:], *hook["args"]])


def test_a_mistyped_command_in_an_example_would_be_caught() -> None:
    with pytest.raises(UsageError):
        parser().parse_args(["check", "-f", "manifests", "--fail-on-any"])
