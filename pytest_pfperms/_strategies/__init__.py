"""The implementation behind :mod:`pytest_pfperms.strategies`; nothing here is public.

``pools``, ``validation`` and ``writing`` import no Hypothesis, so the invariant
checker and the manifest writers work without it; ``rbac`` and ``cloud`` build
the strategies.
"""
