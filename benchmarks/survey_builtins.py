"""Run the built-in risk pack on directories of rendered manifests and print Markdown tables.

Each project is loaded as its own model (with the cluster defaults), some with the namespace
their install instructions apply them to (``kubectl apply -n``). Prints one table of finding
counts (subjects or objects per built-in) and one of every service account that can read
secrets cluster-wide (PF-K8S-004), with the grant that makes it true.

Run: ``python benchmarks/survey_builtins.py [CORPUS]`` (default: the nearest
``shared/corpus/rendered`` above the repository, the nine projects listed in its ``SOURCES.md``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest_pfperms as pfperms
from pytest_pfperms.policies.builtin import selected
from pytest_pfperms.policies.evaluation import evaluate

PROJECTS: list[tuple[str, str, str]] = [
    ("argo-workflows", "argo-workflows", "argo"),
    ("argo-cd", "argo-cd/install.yaml", "argocd"),
    ("argo-cd (namespace-install)", "argo-cd/namespace-install", "argocd"),
    ("kube-prometheus", "kube-prometheus", "default"),
    ("ingress-nginx", "ingress-nginx", "default"),
    ("kubernetes-dashboard", "kubernetes-dashboard", "default"),
    ("operator-lifecycle-manager", "operator-lifecycle-manager", "default"),
    ("kyverno", "kyverno", "default"),
    ("gatekeeper", "gatekeeper", "default"),
    ("kube-state-metrics (autosharding)", "kube-state-metrics/autosharding", "default"),
    ("kube-state-metrics (daemonsetsharding)", "kube-state-metrics/daemonsetsharding", "default"),
]
"""(row, path under the corpus, default namespace). argo-cd and kube-state-metrics ship two variants
that redefine the same objects, so each variant is its own model."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    candidates = [parent / "shared" / "corpus" / "rendered" for parent in here.parents]
    default = next((c for c in candidates if c.is_dir()), candidates[0])
    parser.add_argument("corpus", nargs="?", default=str(default))
    args = parser.parse_args()
    builtins = [b for b in selected(["recommended"]) if b.id.startswith("PF-K8S")]
    short = [b.id.removeprefix("PF-K8S-") for b in builtins]
    print("| project | objects | seconds | " + " | ".join(short) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in short) + " |")
    secrets: dict[tuple[str, str], tuple[list[str], str]] = {}
    for row, path, namespace in PROJECTS:
        start = time.perf_counter()
        model = pfperms.load(Path(args.corpus) / path, default_namespace=namespace)
        counts = []
        for builtin in builtins:
            outcome = evaluate(builtin.policy(), model, evaluator=builtin.run)
            counts.append(len({f.subject for f in outcome.findings}))
            if builtin.id == "PF-K8S-004":
                for finding in outcome.findings:
                    grant = next((line.strip() for line in finding.lines if "Binding" in line), "")
                    verbs, _grant = secrets.setdefault((row, finding.subject.removeprefix("ServiceAccount ")),
                                                       ([], grant.split("  ")[0]))
                    verbs.append(finding.summary.removeprefix("CAN ").removesuffix(" cluster-wide"))
        seconds = time.perf_counter() - start
        print(f"| {row} | {len(model.objects()):,} | {seconds:.1f} | " + " | ".join(map(str, counts)) + " |")
    print()
    print("| project | service account | verbs on secrets, in every namespace | through |")
    print("| --- | --- | --- | --- |")
    for (row, account), (reads, grant) in secrets.items():
        verbs = ", ".join(read.split(" ", 1)[0] for read in reads)
        names = {read.split(" ", 2)[2] for read in reads if read.count(" ") >= 2}
        only = f" (only {', '.join(sorted(names))})" if names else ""
        print(f"| {row} | {account} | {verbs}{only} | {grant.split(' (subject')[0]} |")


if __name__ == "__main__":
    main()
