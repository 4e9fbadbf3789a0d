"""Terraform/OpenTofu configurations into model objects.

Configurations, the module graph and module sources, the providers' resources
(``providers/``), Panfactum profiles, plan/state JSON, the evaluation cache, and model
building. Builds on ``sources.hcl`` and ``sources.manifests``.
"""
