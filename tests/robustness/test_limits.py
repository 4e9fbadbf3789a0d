"""Bounds on the work one load may do (issue 11: a repository hangs the gate or takes its
memory with values Terraform would build). Each runs in its own bounded interpreter where
a regression would hang or blow up; each refusal names the file, the line and the limit."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from bounded import run_bounded

import pytest_pfperms as pfperms

pytest_plugins = ["pytester"]

NAMESPACE = 'resource "kubernetes_namespace_v1" "ns" {{\n  count = {count}\n  metadata {{ name = "ns-${{count.index}}" }}\n}}\n'


def refused(tmp_path: Path, main_tf: str, *, seconds: float = 20) -> str:
    """Load ``main_tf`` in a bounded interpreter; the LoadError's text (fails if it loads)."""
    (tmp_path / "main.tf").write_text(textwrap.dedent(main_tf))
    done = run_bounded(f"""
        import pytest_pfperms as pfperms
        try:
            pfperms.load({str(tmp_path)!r}, cache=False)
        except pfperms.LoadError as error:
            print(type(error).__name__, error)
        else:
            print("LOADED")
    """, seconds=seconds)
    assert done.returncode == 0, done.stderr
    assert "LOADED" not in done.stdout
    return done.stdout


def test_a_count_of_a_billion_is_refused_at_its_line(tmp_path: Path) -> None:
    out = refused(tmp_path, NAMESPACE.format(count="1000000000"))
    assert out.startswith("LoadError") and "main.tf:1" in out
    assert "kubernetes_namespace_v1.ns: count (1,000,000,000) is past pfperms' limit of 10,000" in out
    assert "pfperms_limits = instances=1000000000" in out


def test_a_for_each_over_forty_thousand_keys_is_refused(tmp_path: Path) -> None:
    out = refused(tmp_path, """
        resource "kubernetes_namespace_v1" "ns" {
          for_each = toset([for i in range(1000) : tostring(i)])
          metadata { name = "ns-${each.key}" }
        }
        resource "kubernetes_namespace_v1" "many" {
          for_each = { for pair in setproduct(range(200), range(200)) : "${pair[0]}-${pair[1]}" => pair }
          metadata { name = "ns-${each.key}" }
        }
    """)
    assert "main.tf:6" in out and "kubernetes_namespace_v1.many: for_each (40,000) is past" in out


def test_setproduct_that_would_make_ten_billion_rows_is_refused_before_it_is_built(tmp_path: Path) -> None:
    out = refused(tmp_path, """
        locals {
          rows = setproduct(range(100), range(100), range(100), range(100), range(100))
        }
        resource "kubernetes_namespace_v1" "ns" {
          metadata { name = "a-${length(local.rows)}" }
        }
    """)
    assert "main.tf:3" in out and "setproduct() result (10,000,000,000) is past" in out


def test_a_string_doubled_forty_times_is_refused_where_it_grows_too_big(tmp_path: Path) -> None:
    doubling = "\n".join(f'  s{i + 1} = "${{local.s{i}}}${{local.s{i}}}"' for i in range(40))
    out = refused(tmp_path, f'locals {{\n  s0 = "xxxxxxxxxxxxxxxx"\n{doubling}\n}}\n'
                            'resource "kubernetes_namespace_v1" "ns" {\n'
                            '  metadata { name = "a-${length(local.s40)}" }\n}\n')
    assert "the string this template makes" in out and "string_bytes" in out
    assert "main.tf:" in out


def test_a_format_width_of_a_billion_is_refused(tmp_path: Path) -> None:
    out = refused(tmp_path, """
        resource "kubernetes_namespace_v1" "ns" {
          metadata { name = format("%01000000000d", 1) }
        }
    """)
    assert "main.tf:3" in out and "format() width (1,000,000,000)" in out


def test_try_does_not_hide_a_refused_value(tmp_path: Path) -> None:
    out = refused(tmp_path, """
        resource "kubernetes_namespace_v1" "ns" {
          metadata { name = try(format("%01000000000d", 1), "fallback") }
        }
    """)
    assert "format() width" in out


def test_pow_with_a_huge_exponent_is_infinity_as_in_terraform_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "kubernetes_namespace_v1" "ns" {\n'
        '  metadata { name = "a-${pow(2, 1000000000) > 1 ? "big" : "small"}-${pow(2, 10)}" }\n}\n')
    done = run_bounded(f"""
        import pytest_pfperms as pfperms
        print(pfperms.load({str(tmp_path)!r}, cache=False).objects("Namespace")[0].name)
    """, seconds=20)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "a-big-1024"


def test_limits_are_raised_per_load(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(NAMESPACE.format(count=6))
    with pytest.raises(pfperms.LoadError, match="count"):
        pfperms.load(tmp_path, cache=False, limits=pfperms.Limits(instances=5))
    model = pfperms.load(tmp_path, cache=False, limits=pfperms.Limits(instances=6))
    assert len(model.objects("Namespace")) == 6


def test_the_ini_option_sets_them_and_a_bad_one_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".tf", main=NAMESPACE.format(count=4))
    pytester.makepyfile(test_limits_gate="""
        def test_namespaces(pfperms):
            assert len(pfperms.objects("Namespace")) == 4
    """)
    pytester.makeini("[pytest]\npfperms_paths = .\npfperms_limits = instances=3\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--pfperms-no-cache")
    result.assert_outcomes(errors=1)
    assert "past pfperms' limit of 3 (instances)" in result.stdout.str()
    pytester.makeini("[pytest]\npfperms_paths = .\npfperms_limits = instances=4\n")
    pytester.runpytest("-p", "no:cacheprovider", "--pfperms-no-cache").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\npfperms_paths = .\npfperms_limits = instance=4\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "is not NAME=POSITIVE_NUMBER" in result.stderr.str()


def test_nested_for_expressions_over_a_billion_values_stop_at_the_step_budget(tmp_path: Path) -> None:
    out = refused(tmp_path, """
        resource "kubernetes_namespace_v1" "ns" {
          metadata {
            name = "a-${length(join(",", [for i in range(1000) : join(",", [for j in range(1000) : join(",", range(1000))])]))}"
          }
        }
    """)
    assert "main.tf:" in out and "takes more than 2,000,000 steps, pfperms' limit (steps)" in out
    assert "pfperms_limits = steps=20000000" in out


def test_the_terraform_one_load_reads_is_bounded_in_total(tmp_path: Path) -> None:
    """Each file under the per-file cap, together past the per-load one: refused, naming the
    file that went past it, before it is parsed."""
    for index in range(3):
        (tmp_path / f"f{index}.tf").write_text(
            NAMESPACE.format(count=1).replace('"ns"', f'"ns{index}"').replace("ns-", f"ns{index}-")
            + "# " + "x" * 400 + "\n")
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(tmp_path, cache=False, limits=pfperms.Limits(terraform_bytes=1000))
    assert "f2.tf" in str(caught.value) and "terraform_bytes" in str(caught.value)
    model = pfperms.load(tmp_path, cache=False, limits=pfperms.Limits(terraform_bytes=2000))
    assert len(model.objects("Namespace")) == 3
