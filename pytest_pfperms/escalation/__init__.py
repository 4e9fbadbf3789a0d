"""Escalation paths: what a subject can effectively do after following escalations.

``gates`` lists the escalations (pods it can run, tokens it can read or request, identities
it can impersonate, roles it can bind or rewrite, the kubelet), ``search`` computes their
least fixpoint from a subject, ``chains`` holds the actors reached with their proof chains,
and ``reach`` answers questions over all of them (:class:`Reach`).

Stands above ``query`` (it imports the core, ``model``, the engines, ``explain`` and
``query``) and below ``sources`` and the faces. ``Model.reach`` and ``Workload.reach`` are
thin methods of ``query`` that call the function this room registers on import
(:func:`pytest_pfperms.query.model.register_reach`), so no import runs from ``query`` up here.
"""

from ..query.model import register_reach
from .reach import Reach, Transitively, reach

register_reach(reach)

__all__ = ["Reach", "Transitively", "reach"]
