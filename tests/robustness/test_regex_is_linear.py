"""``regex()`` and friends run in linear time: RE2 semantics, no catastrophic backtracking."""

from __future__ import annotations

from bounded import run_bounded


def test_catastrophic_patterns_finish() -> None:
    done = run_bounded("""
        from pytest_pfperms.sources.hcl.evaluation import evaluate
        from pytest_pfperms.sources.hcl.native_syntax import parse_expression
        from pytest_pfperms.sources.hcl.scopes import DictScope
        text = "a" * 200_000 + "!"
        scope = DictScope({"var": {"text": text}})
        for pattern in ["(a+)+$", "(a|aa)+$", "(a*)*b", "(?:a?){40}a{40}"]:
            found = evaluate(parse_expression(f'regexall("{pattern}", var.text)'), scope)
            print(pattern, len(found))
        print(evaluate(parse_expression('replace(var.text, "/(a|aa)+!/", "x")'), scope))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["(a+)+$ 0", "(a|aa)+$ 0", "(a*)*b 0", "(?:a?){40}a{40} 2500", "x"]


def test_symbol_patterns_of_long_templates_are_refuted_quickly() -> None:
    """A template of many unknowns compared with a literal it cannot be (issue 11: hangs)."""
    done = run_bounded("""
        from pytest_pfperms.values import Symbol, eq3, join_pieces
        pieces = []
        for index in range(25):
            pieces += [Symbol(key=f"var.p{index}"), "-"]
        template = join_pieces(pieces, expression="t", source="")
        print(eq3(template, "-" * 80 + "x"), eq3(template, "-" * 80))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "None"]


def test_iam_vault_and_fileset_globs_do_not_backtrack() -> None:
    """``*a*a*a...*b`` against a long run of ``a``: exponential for a backtracking engine,
    a few milliseconds here, with the same answers as a plain glob."""
    done = run_bounded("""
        import pytest_pfperms as pfperms
        from pytest_pfperms.sources.hcl.file_sandbox import glob_regex
        from pytest_pfperms.vault.kubernetes_auth import glob3
        evil = "*a" * 40 + "*b"
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:" + evil, "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + evil}]}
        long = "a" * 5000
        print(pfperms.evaluate_iam(policy, "s3:" + long, "*").allowed)
        print(pfperms.evaluate_iam(policy, "s3:GetObject", "arn:aws:s3:::" + long).allowed)
        print(pfperms.evaluate_iam(policy, "s3:GetObject", "arn:aws:s3:::" + long + "b").allowed)
        print(glob3(evil, long), glob3(evil, long + "b"))
        print(glob_regex("**/" + "*a" * 40 + "*b").fullmatch("x/" + long))
        print(glob_regex("**/*.yaml").fullmatch("deep/er/file.yaml"), glob_regex("*.yaml").fullmatch("d/f.yaml"))
    """, seconds=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["False", "False", "True", "False True", "False", "True False"]
