"""AWS IAM and IRSA: policy reading, patterns, conditions, the request context, evaluation,
explanation, the cluster's OIDC identity, and what a service account can do through IRSA.

Imports the core and ``model`` only; never the sources (the loader hands it structured values).
"""
