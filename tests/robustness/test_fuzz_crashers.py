"""Every crasher the loader fuzzing (``test_fuzz_*.py``) found, minimised by hand and kept.

Each was an exception other than a PfpermsError (or a problem without its file or line);
each test pins the typed error (or the model) the input now gives.
"""

from __future__ import annotations

from fuzzing import problems_of


def test_a_manifest_whose_kind_is_a_mapping_is_a_load_error_not_a_type_error() -> None:
    found = problems_of({"a.json": '{"apiVersion": "v1", "kind": {"x": "ServiceAccount"},\n'
                                   ' "metadata": {"name": "sa0", "namespace": "ns0"}}'})
    assert [(p.file.endswith("a.json"), p.line, p.field) for p in found] == [(True, 1, "kind")]
    assert "expected a string" in found[0].message
