"""The model's vocabulary: objects with provenance, who asks, what is asked, and the answer.

``objects`` (frozen records of what the sources define), ``identities`` (users and
service accounts), ``requests`` (Kubernetes request attributes) and ``decision`` (the
three-valued answer every engine gives). Imports only the core (``values``, ``errors``).
"""
