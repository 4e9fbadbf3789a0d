"""Benchmark Terraform loading: cold (empty parse cache) and warm, against python-hcl2.

Generates a repository of 150+ ``.tf`` files in the Panfactum style (a root module
calling local modules that create service accounts, workloads, Roles and
RoleBindings with ``for_each``, ``dynamic`` blocks and templated names), then prints:

- cold load (empty ``$PFPERMS_CACHE_DIR``) / ``hcl2.loads`` of the same files (goal <= 1.3)
- warm load (cache filled) / cold load (goal <= 0.10)

Each load runs in a fresh interpreter (timed inside it, after imports) so that no
in-process memo makes a warm run look better than it is.

Run: ``python benchmarks/bench_terraform.py [--modules N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

MODULE_MAIN = """\
variable "name" {{ type = string }}
variable "namespace" {{ type = string }}
variable "verbs" {{
  type    = list(string)
  default = ["get", "list"]
}}

locals {{
  labels = {{
    "app.kubernetes.io/name"     = var.name
    "app.kubernetes.io/instance" = "${{var.name}}-{index}"
  }}
  resources = {{
    pods        = ""
    configmaps  = ""
    deployments = "apps"
    jobs        = "batch"
  }}
}}

resource "random_id" "sa" {{
  byte_length = 8
  prefix      = "${{var.name}}-"
}}

resource "kubernetes_service_account" "sa" {{
  metadata {{
    name      = random_id.sa.hex
    namespace = var.namespace
    labels    = local.labels
  }}
}}

resource "kubernetes_role" "role" {{
  metadata {{
    name      = "${{var.name}}-role"
    namespace = var.namespace
    labels    = merge(local.labels, {{ tier = "backend" }})
  }}
  dynamic "rule" {{
    for_each = local.resources
    content {{
      api_groups = [rule.value]
      resources  = [rule.key]
      verbs      = var.verbs
    }}
  }}
}}

resource "kubernetes_role_binding" "binding" {{
  metadata {{
    name      = "${{var.name}}-binding"
    namespace = var.namespace
  }}
  subject {{
    kind      = "ServiceAccount"
    name      = kubernetes_service_account.sa.metadata[0].name
    namespace = var.namespace
  }}
  role_ref {{
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role.role.metadata[0].name
  }}
}}

output "service_account_name" {{
  value = kubernetes_service_account.sa.metadata[0].name
}}
"""

MODULE_WORKLOAD = """\
resource "kubernetes_deployment" "app" {{
  metadata {{
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }}
  spec {{
    replicas = {replicas}
    selector {{
      match_labels = local.labels
    }}
    template {{
      metadata {{
        labels = local.labels
      }}
      spec {{
        service_account_name = kubernetes_service_account.sa.metadata[0].name
        container {{
          name  = "main"
          image = "registry.example.com/${{var.name}}:1.{index}"
          port {{
            container_port = 8080
          }}
          env {{
            name  = "NAMESPACE"
            value = var.namespace
          }}
        }}
      }}
    }}
  }}
}}
"""

ROOT = """\
module "team_{index}" {{
  source    = "./modules/team_{index}"
  for_each  = toset(["a", "b"])
  name      = "team-{index}-${{each.key}}"
  namespace = "ns-{index}"
  verbs     = {index} % 2 == 0 ? ["get", "list", "watch"] : ["get"]
}}
"""


def generate(root: Path, modules: int) -> list[Path]:
    """Write the repository; returns every .tf file."""
    files = []
    for index in range(modules):
        directory = root / "modules" / f"team_{index}"
        directory.mkdir(parents=True)
        for name, template in (("main.tf", MODULE_MAIN), ("workload.tf", MODULE_WORKLOAD)):
            path = directory / name
            path.write_text(template.format(index=index, replicas=index % 3 + 1))
            files.append(path)
        path = root / f"team_{index}.tf"
        path.write_text(ROOT.format(index=index))
        files.append(path)
    return files


CHILD = textwrap.dedent("""\
    import json, sys, time
    import pytest_pfperms as pfperms
    import pytest_pfperms.sources.terraform.model_building  # imports outside the timing, as for hcl2
    start = time.perf_counter()
    model = pfperms.load(sys.argv[1], repo_root=sys.argv[1])
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "objects": len(model.objects())}))
""")

BASELINE = textwrap.dedent("""\
    import json, sys, time
    import hcl2
    texts = [open(p).read() for p in sys.argv[1:]]
    hcl2.loads("a = 1\\n")  # build the grammar outside the timing, as pfperms does
    start = time.perf_counter()
    for text in texts:
        hcl2.loads(text)
    print(json.dumps({"seconds": time.perf_counter() - start}))
""")


def run(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    import os

    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            check=True, env={**os.environ, **(env or {})})
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=60, help="local modules (3 files each)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as repo_dir, tempfile.TemporaryDirectory() as cache:
        files = generate(Path(repo_dir), args.modules)
        size = sum(p.stat().st_size for p in files)
        env = {"PFPERMS_CACHE_DIR": cache}
        baseline = run(BASELINE, *map(str, files))["seconds"]
        cold = run(CHILD, repo_dir, env=env)
        warm = [run(CHILD, repo_dir, env=env)["seconds"] for _ in range(3)]
        print(f"files: {len(files)} .tf, {size:,} bytes, {int(cold['objects']):,} objects in the model")
        print(f"python-hcl2 hcl2.loads: {baseline:.2f} s   cold pfperms.load: {cold['seconds']:.2f} s   "
              f"ratio: {cold['seconds'] / baseline:.2f} (goal <= 1.3)")
        print(f"warm pfperms.load: {min(warm):.3f} s   ratio to cold: {min(warm) / cold['seconds']:.3f} "
              "(goal <= 0.10)")


if __name__ == "__main__":
    main()
