"""The built-in risk pack: policies with stable ids (``PF-K8S-001`` ...), each a question over
the model asked of the engines (so aggregated and built-in roles count exactly as they grant).

``registry`` holds :class:`Builtin` (id, title, severity, why it matters, how to fix it, and
its evaluator); ``kubernetes``, ``aws`` and ``vault`` define the checks.
"""

from .registry import BUILTINS, RECOMMENDED, Builtin, selected

__all__ = ["BUILTINS", "RECOMMENDED", "Builtin", "selected"]
