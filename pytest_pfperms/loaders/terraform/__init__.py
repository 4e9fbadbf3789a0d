"""Terraform/OpenTofu input: HCL parsing and evaluation, the resource/module graph.

HCL layer: :mod:`.hcl_parse` (text to AST), :mod:`.hcl_cache` (parse cache),
:mod:`.hcl_eval` (expressions to values), :mod:`.hcl_functions` (Terraform's
functions).
"""
