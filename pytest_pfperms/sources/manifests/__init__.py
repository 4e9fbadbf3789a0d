"""Rendered Kubernetes manifests: YAML/JSON documents, List kinds, helm sources, schemas, and
turning one object's dict into a model object (also used by the Terraform providers' mapping).
"""
