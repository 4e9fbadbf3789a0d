"""``reach``: what a subject can effectively do after following escalations."""

from __future__ import annotations

import argparse

from ..query.model import Model
from . import inputs
from .exits import EXIT_YES
from .rendering import md_escape
from .results import Case, Result
from .terminal import Terminal


def reach(args: argparse.Namespace, model: Model) -> Result:
    """``reach --as WHO | --workload Kind/name``: every identity and grant it reaches, with proofs."""
    who = inputs.who(args, model)
    found = model.reach(who)
    identities = [str(identity) for identity in found.identities()]
    chains = found.chains()
    body = str(found.explain())
    markdown = "\n".join([f"**{md_escape(str(found.subject))}** reaches {len(chains)} further identities "
                          "and grants:", "", *(f"- {md_escape(chain)}" for chain in chains)]) + "\n"
    cases = [Case(chain, True, chain) for chain in chains]

    def text(terminal: Terminal) -> str:
        return body

    return Result("reach", EXIT_YES, {"subject": str(found.subject), "identities": identities,
                                      "chains": chains, "explanation": body.splitlines()},
                  text, markdown, cases)
