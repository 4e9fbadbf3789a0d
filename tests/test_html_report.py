"""``pfperms report``: the self-contained HTML page, opened in headless Chromium (Debian's
``chromium`` driven by Playwright): load it, click a grant path open, check what a person
sees, keep a screenshot under the test's tmp dir. Also ``explain --graph``."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_pfperms.cli import EXIT_YES, main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "infra"
SOURCES = ["-f", "manifests", "-f", "terraform", "--var", "namespace=apps"]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.chdir(EXAMPLE)
    target = tmp_path / "report.html"
    assert main(["report", "-o", str(target), *SOURCES]) == EXIT_YES
    assert capsys.readouterr().out == f"pfperms: wrote {target}\n"
    return target


def test_the_page_is_self_contained(report: Path) -> None:
    text = report.read_text()
    for outside in ("http://", "https://", "<script", "<link", "src="):
        assert outside not in text.replace('xmlns="http://www.w3.org/2000/svg"', ""), outside
    assert "<svg" in text and 'data-namespace="apps"' in text
    assert "terraform/apps/main.tf:96" in text   # the IAM statement behind the AWS grant


@contextlib.contextmanager
def browse(report: Path, tmp_path: Path) -> Iterator[Any]:
    """The report opened in headless Chromium: yields the page; afterwards keeps a full-page
    screenshot (``report.png`` in tmp_path, copied into ``$PFPERMS_ARTIFACTS`` when set) and checks nothing but the file
    itself was requested. Skips without the browser, unless CI requires it."""
    # CI sets PFPERMS_REQUIRE_BROWSER=1: there a missing browser fails the test, never skips it
    required = os.environ.get("PFPERMS_REQUIRE_BROWSER") == "1"
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does)"
        pytest.fail(message) if required else pytest.skip(message)
    try:
        from playwright import sync_api
    except ImportError:
        message = "playwright is not installed (pip install -e '.[test]')"
        pytest.fail(message) if required else pytest.skip(message)
    requests: list[str] = []
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            assert page.title() == "pfperms report"
            yield page
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            kept = os.environ.get("PFPERMS_ARTIFACTS")   # CI keeps it: .ci/run sets the directory
            if kept:
                Path(kept).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(kept) / f"{os.environ['PYTEST_CURRENT_TEST'].split(' ')[0].split('::')[-1]}.png")
        finally:
            browser.close()
    assert requests and all(url.startswith("file://") for url in requests), requests


def test_the_report_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    with browse(report, tmp_path) as page:
        example = page.locator('article[id="Deployment-apps-example"]')
        assert example.locator("h3").inner_text() == "Deployment apps/example"
        grant = example.locator("details.grant[data-system=aws]").first
        path = grant.locator(".path")
        assert not path.is_visible()              # closed until clicked
        grant.locator("summary").click()
        assert path.is_visible()
        assert "terraform/apps/main.tf:96" in path.inner_text()
        assert "sqs:" in grant.locator("summary").inner_text()
        matrix = page.locator('section[data-namespace="apps"] table.matrix')
        assert matrix.is_visible() and "Deployment/example" in matrix.inner_text()
        assert example.locator("svg.graph g.node").count() >= 3
    assert (tmp_path / "report.png").exists()


def test_explain_graphs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(EXAMPLE)
    argv = ["explain", "get", "secrets", "--as", "system:serviceaccount:ci:deployer", "-n", "apps", "-f", "manifests"]
    assert main([*argv, "--graph", "dot"]) == EXIT_YES
    dot = capsys.readouterr().out
    assert dot.startswith("digraph pfperms {")
    assert '"ServiceAccount ci/deployer" -> "RoleBinding apps/ci-deployer-edit" [tooltip="manifests/ci.yaml:14"];' in dot
    assert dot.count("->") == 3 and '\\"secrets\\"' in dot   # only the rule that grants secrets
    assert main([*argv, "--graph", "mermaid"]) == EXIT_YES
    mermaid = capsys.readouterr().out.splitlines()
    assert mermaid[0] == "flowchart LR" and len(mermaid) == 4
    if shutil.which("dot"):   # pragma: no cover - graphviz is optional
        import subprocess

        subprocess.run(["dot", "-Tsvg"], input=dot, text=True, check=True, capture_output=True)
