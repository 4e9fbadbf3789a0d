"""Vault: ACL policy parsing and evaluation, Kubernetes auth roles, per-account access.

Imports the core and ``model`` only.
"""
