"""Kubernetes RBAC: the authorizer, rule matching, ClusterRole aggregation, the bootstrap policy.

Answers exactly as kube-apiserver's RBAC authorizer would. Imports the core and ``model`` only.
"""
