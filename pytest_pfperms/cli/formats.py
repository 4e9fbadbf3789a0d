"""The output formats: text, json, yaml, markdown, junit and sarif, from one :class:`Result`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import metadata
from typing import Any

import yaml

from .exits import UsageError
from .results import Result
from .terminal import Terminal

FORMATS = ("text", "json", "yaml", "markdown", "sarif", "junit")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def version() -> str:
    """The installed version of pytest-pfperms."""
    try:
        return metadata.version("pytest-pfperms")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "0+unknown"


MACHINE = ("json", "yaml", "sarif", "junit")
"""Formats written exactly, never translated to plain ASCII marks (they escape other characters)."""


def render(result: Result, fmt: str, terminal: Terminal) -> str:
    """``result`` in format ``fmt``."""
    if fmt == "text":
        return str(result.text(terminal))
    if fmt == "json":
        return json.dumps(result.document(), indent=2, sort_keys=True)
    if fmt == "yaml":
        return yaml.safe_dump(result.document(), sort_keys=True).rstrip("\n")
    if fmt == "markdown":
        return result.markdown
    if fmt == "junit":
        return junit(result)
    if fmt == "sarif":
        if result.issues is None:
            raise UsageError(f"-o sarif reports findings; use it with check, not {result.command}")
        return json.dumps(sarif(result), indent=2, sort_keys=True)
    raise UsageError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")


def junit(result: Result) -> str:
    """JUnit XML: one test suite for the command, one case per answer or policy."""
    cases = result.cases
    failures = sum(1 for case in cases if case.ok is False)
    skipped = sum(1 for case in cases if case.ok is None)
    suite = ET.Element("testsuite", name=f"pfperms {result.command}", tests=str(len(cases)),
                       failures=str(failures), errors="0", skipped=str(skipped))
    for case in cases:
        element = ET.SubElement(suite, "testcase", classname=f"pfperms.{result.command}", name=case.name)
        if case.ok is False:
            failure = ET.SubElement(element, "failure", message=case.message)
            failure.text = case.detail or case.message
        elif case.ok is None:
            ET.SubElement(element, "skipped", message=case.message)
        if case.detail and case.ok is not False:
            ET.SubElement(element, "system-out").text = case.detail
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    # us-ascii: every other character as a reference, so any stdout encoding carries it intact
    written: bytes = ET.tostring(suites, encoding="us-ascii", xml_declaration=True)
    return written.decode("ascii")


def sarif(result: Result) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: the rules that found something, and every finding."""
    issues = result.issues or []
    rules: dict[str, dict[str, Any]] = {}
    for issue in issues:
        rules.setdefault(issue.rule, {
            "id": issue.rule, "name": issue.rule, "shortDescription": {"text": issue.title},
            **({"help": {"text": issue.help}} if issue.help else {})})
    ordered = sorted(rules)
    results = []
    for issue in issues:
        entry: dict[str, Any] = {"ruleId": issue.rule, "ruleIndex": ordered.index(issue.rule),
                                 "level": issue.level, "message": {"text": issue.message}}
        if issue.fingerprint:
            entry["partialFingerprints"] = {"pfpermsFinding/v1": issue.fingerprint}
        if issue.file:
            region = {"startLine": issue.line} if issue.line else {}
            entry["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": issue.file},
                **({"region": region} if region else {})}}]
        results.append(entry)
    driver = {"name": "pfperms", "version": version(), "informationUri":
              "https://pypi.org/project/pytest-pfperms/", "rules": [rules[r] for r in ordered]}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver},
                                                                    "results": results}]}
