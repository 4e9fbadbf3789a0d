"""The on-disk caches' storage: a data-only encoding and authenticated entries.

``codec`` turns trees of registered dataclasses, tuples, lists, dicts and scalars into
JSON and back, constructing only the classes its caller names (nothing in an entry can
run code); ``store`` keeps entries as regular files signed with an HMAC whose secret
lives outside any repository, and refuses a cache directory inside the repo being loaded.
Imports the core only; ``sources.hcl`` and ``sources.terraform`` use it.
"""
