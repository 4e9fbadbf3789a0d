"""Invariants over a whole repo: "for every subject and request in this space, ...".

:func:`forall` builds the space of questions a model spans (see :mod:`.space`),
narrowed by what the caller passes; :meth:`ForAll.cannot`, :meth:`ForAll.can` and
:meth:`ForAll.check` then ask the model every question when the space is small
(``exhaustive_limit``) and let Hypothesis draw (and shrink) questions when it is
large. A counterexample fails like any permission assertion: the decision's full
explanation, with the grant path and file:line, then what was expected.

Hypothesis is imported only when a space is too large to enumerate, or when a
strategy is passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from ..model.decision import Decision
from ..model.identities import Identity, ServiceAccount, User
from ..model.requests import NonResourceRequest, Request, ResourceRequest
from ..values import Str, Tri
from .assertions import PermissionAssertionError
from .question_space import RequestSpace, Vocabulary, identities, vocabulary
from .strategies import validation

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from ..query.model import Model

__all__ = ["Checked", "ForAll", "InvariantViolation", "forall"]

DEFAULT_EXHAUSTIVE_LIMIT = 50_000
"""Spaces up to this many (subject, request) cases are checked case by case."""

DEFAULT_MAX_EXAMPLES = 1_000
"""Cases Hypothesis draws from a larger space, unless the settings profile asks for more."""

MAX_LISTED = 5
"""Further counterexamples named (one line each) under the first, explained one."""

Predicate = Callable[[Identity, Request, Decision], bool]
"""``(who, request, decision) -> bool``: True when the case satisfies the invariant."""



@dataclass(frozen=True, slots=True)
class Checked:
    """How an invariant was checked: ``cases`` asked out of ``space`` (None: unbounded)."""

    cases: int
    space: int | None
    exhaustive: bool
    violations: int = 0

    def __str__(self) -> str:
        if self.exhaustive:
            return f"checked exhaustively: {self.cases:,} cases"
        space = f"{self.space:,}" if self.space is not None else "an unbounded space of"
        return f"checked by Hypothesis: {self.cases:,} cases drawn from {space} cases"


class InvariantViolation(PermissionAssertionError):
    """An invariant does not hold; ``decision`` is the (simplest) counterexample."""

    def __init__(self, message: str, decision: Decision, who: Identity, request: Request,
                 checked: Checked) -> None:
        super().__init__(message)
        self.decision = decision
        self.who = who
        self.request = request
        self.checked = checked


class _Found(Exception):
    """Raised inside a Hypothesis run to carry a counterexample out of it."""

    def __init__(self, who: Identity, request: Request, decision: Decision) -> None:
        super().__init__(decision.summary())
        self.who, self.request, self.decision = who, request, decision


class ForAll:
    """A space of (subject, request) cases over one model; see :func:`forall`."""

    def __init__(self, model: Model, subjects: list[Identity] | SearchStrategy[Any],
                 requests: Sequence[Request] | SearchStrategy[Request], *, exhaustive_limit: int,
                 max_examples: int | None, shape: str, transitive: bool = False, parts: int = 1) -> None:
        self.model = model
        self._subjects = subjects
        self._requests = requests
        self._exhaustive_limit = exhaustive_limit
        self._max_examples = max_examples
        self._parts = parts
        """How many shards the whole space was cut into: a drawn shard draws its share of the cases."""
        self._shape = shape
        self._transitive = transitive
        self._reaches: dict[Identity, Any] = {}

    @property
    def size(self) -> int | None:
        """How many (subject, request) cases the space holds; None when drawn from strategies."""
        if isinstance(self._subjects, list) and isinstance(self._requests, Sequence):
            return len(self._subjects) * len(self._requests)
        return None

    @property
    def exhaustive(self) -> bool:
        """Whether every case will be asked (else Hypothesis draws them)."""
        size = self.size
        return size is not None and size <= self._exhaustive_limit

    def subjects(self) -> list[Identity]:
        """The subjects of a finite space."""
        if not isinstance(self._subjects, list):
            raise InvalidArgument("the subjects were given as a Hypothesis strategy; there is no list")
        return list(self._subjects)

    def requests(self) -> list[Request]:
        """The requests of a finite space."""
        if not isinstance(self._requests, Sequence):
            raise InvalidArgument("the requests were given as a Hypothesis strategy; there is no list")
        return list(self._requests)

    def cases(self) -> Iterator[tuple[Identity, Request]]:
        """Every (subject, request) case of a finite space, simplest first."""
        return itertools.product(self.subjects(), self.requests())

    # -- the checks ------------------------------------------------------------------------

    def cannot(self) -> Checked:
        """Every subject is definitely denied every request (an unknown answer fails too)."""
        __tracebackhide__ = True  # a failure points at the test, not here
        return self._run(lambda _who, _request, decision: decision.allowed is False, "cannot",
                         "every case to be denied")

    def can(self) -> Checked:
        """Every subject is definitely allowed every request (an unknown answer fails too)."""
        __tracebackhide__ = True  # a failure points at the test, not here
        return self._run(lambda _who, _request, decision: decision.allowed is True, "can",
                         "every case to be allowed")

    def check(self, predicate: Predicate, description: str = "") -> Checked:
        """``predicate(who, request, decision)`` holds for every case.

        ``description`` names the invariant in the failure message.
        """
        __tracebackhide__ = True  # a failure points at the test, not here
        if not callable(predicate):
            raise InvalidArgument(f"check() needs a function (who, request, decision) -> bool, "
                                  f"not {predicate!r}")
        return self._run(predicate, None, description or "the invariant to hold")

    # -- running ---------------------------------------------------------------------------

    def _decide(self, who: Identity, request: Request) -> Decision:
        if self._transitive:
            reach = self._reaches.get(who)
            if reach is None:
                from ..escalation import reach as reach_of

                reach = self._reaches[who] = reach_of(self.model, who)
            decision: Decision = reach.decide(request)
            return decision
        return self.model.decide(who, request)

    def _holds(self, predicate: Predicate, who: Identity, request: Request, decision: Decision) -> bool:
        try:
            return bool(predicate(who, request, decision))
        except Exception as error:
            error.add_note(f"while checking the invariant for {who} asking to {request.describe()}")
            raise

    def _run(self, predicate: Predicate, expected: str | None, wanted: str) -> Checked:
        __tracebackhide__ = True  # a failure points at the test, not here
        if self.exhaustive:
            return self._run_exhaustively(predicate, expected, wanted)
        return self._run_hypothesis(predicate, expected, wanted)

    def _run_exhaustively(self, predicate: Predicate, expected: str | None, wanted: str) -> Checked:
        __tracebackhide__ = True  # a failure points at the test, not here
        first: tuple[Identity, Request, Decision] | None = None
        others: list[str] = []
        violations = 0
        for who, request in self._doubtful_cases(expected):
            decision = self._decide(who, request)
            if self._holds(predicate, who, request, decision):
                continue
            violations += 1
            if first is None:
                first = (who, request, decision)
            elif len(others) < MAX_LISTED:
                others.append(decision.summary())
        cases = self.size
        assert cases is not None  # an exhaustive space is a finite one
        checked = Checked(cases, cases, True, violations)
        if first is not None:
            raise self._violation(*first, expected, wanted, checked, others)
        return checked

    def _doubtful_cases(self, expected: str | None) -> Iterator[tuple[Identity, Request]]:
        """The cases the predicate must be asked about, in :meth:`cases` order: every one, but
        for can()/cannot() (``expected``) only those whose answer is not the wanted one, since
        the answer alone shows the others hold (no Decision built: most of each case's time)."""
        if expected is None or self._transitive:
            yield from self.cases()
            return
        wanted_answer = expected == "can"
        requests = self.requests()
        shared: dict[Any, Tri] = {}
        for who in self.subjects():
            answers = self.model.answers(who, requests, shared)
            if answers.count(wanted_answer) != len(answers):
                yield from ((who, request) for request, answer in zip(requests, answers, strict=True)
                            if answer is not wanted_answer)

    def _run_hypothesis(self, predicate: Predicate, expected: str | None, wanted: str) -> Checked:
        __tracebackhide__ = True  # a failure points at the test, not here
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        subjects: SearchStrategy[Any] = (st.sampled_from(self._subjects) if isinstance(self._subjects, list)
                                         else self._subjects)
        requests: SearchStrategy[Request]
        if isinstance(self._requests, RequestSpace):  # drawn by position: the space is never built
            requests = st.sampled_from(range(len(self._requests))).map(self._requests.__getitem__)
        elif isinstance(self._requests, Sequence):
            requests = st.sampled_from(self._requests)
        else:
            requests = self._requests
        base = settings.default
        assert base is not None
        examples = self._max_examples or max(DEFAULT_MAX_EXAMPLES, base.max_examples)
        examples = -(-examples // self._parts)  # the shards of a space draw what the whole would
        counter = [0]
        model = self.model

        def run(who: object, request: Request) -> None:
            counter[0] += 1
            identity = who if isinstance(who, (User, ServiceAccount)) else model.identity(who)  # type: ignore[arg-type]
            decision = self._decide(identity, request)
            if not self._holds(predicate, identity, request, decision):
                raise _Found(identity, request, decision)

        test = settings(base, max_examples=examples, database=None, deadline=None,
                        suppress_health_check=list(HealthCheck))(given(subjects, requests)(run))
        try:
            test()
        except _Found as found:
            checked = Checked(counter[0], self.size, False, 1)
            raise self._violation(found.who, found.request, found.decision, expected, wanted,
                                  checked, []) from None
        return Checked(counter[0], self.size, False, 0)

    def _violation(self, who: Identity, request: Request, decision: Decision, expected: str | None,
                   wanted: str, checked: Checked, others: list[str]) -> InvariantViolation:
        if checked.exhaustive:
            count = (f"{checked.violations:,} of {checked.cases:,} cases (checked exhaustively) "
                     f"{'is' if checked.violations == 1 else 'are'} not")
        else:
            space = f"{checked.space:,}" if checked.space is not None else "an unbounded space of"
            count = (f"Hypothesis found a case that is not, after {checked.cases:,} cases drawn "
                     f"from {space} cases, and shrank it to the simplest")
        lines = [f"invariant violated: expected {wanted}; {count}:"]
        if decision.allowed is None:
            lines += decision.indeterminate_message().splitlines()
        else:
            lines += decision.explain().splitlines()
        if expected is not None:
            lines.append(f"  (expected: {expected})")
        if others:
            more = checked.violations - 1 - len(others)
            lines.append("other counterexamples:")
            lines += [f"  {summary}" for summary in others]
            if more > 0:
                lines.append(f"  ... and {more:,} more")
        lines.append(f"the space: {self._shape}")
        return InvariantViolation("\n".join(lines), decision, who, request, checked)

    def __repr__(self) -> str:
        return f"<ForAll {self._shape}>"


def _is_strategy(value: object) -> bool:
    """Whether ``value`` is a Hypothesis strategy, without importing Hypothesis for nothing."""
    import sys

    module = sys.modules.get("hypothesis.strategies")
    return module is not None and isinstance(value, module.SearchStrategy)


def _narrow_namespaces(values: object) -> tuple[Str | None, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidArgument(f"namespaces must be a list of namespace names (None for cluster-scoped "
                              f"requests), not {values!r}")
    items = tuple(values)
    if not items:
        raise InvalidArgument("namespaces is empty: give at least one, or leave it out for the "
                              "namespaces the model mentions")
    for item in items:
        if item is not None and (not isinstance(item, str) or not item):
            raise InvalidArgument(f"namespaces must hold namespace names or None, not {item!r}")
    return tuple(dict.fromkeys(items))


def forall(
    model: Model,
    *,
    subjects: Callable[[Identity], bool] | Iterable[object] | SearchStrategy[Any] | None = None,
    requests: Callable[[Request], bool] | Iterable[Request] | SearchStrategy[Request] | None = None,
    verbs: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    namespaces: Sequence[str | None] | None = None,
    non_resource_urls: Sequence[str] | None = None,
    outsiders: bool = True,
    exhaustive_limit: int = DEFAULT_EXHAUSTIVE_LIMIT,
    max_examples: int | None = None,
    transitive: bool = False,
    shard: tuple[int, int] | None = None,
) -> ForAll:
    """Every (subject, request) case of ``model``'s question space, narrowed as asked.

    By default the space is everything the model's sources mention (see
    :mod:`pytest_pfperms.testing.question_space`): its service accounts (and each namespace's
    ``default`` one), users and group members, times every request built from the
    verbs, resources, namespaces (and cluster scope) and resource names its rules and
    objects mention, plus non-resource URLs; ``outsiders=True`` adds a namespace,
    service account, user, resource name and URL the repo never mentions.

    Narrow it with ``verbs``, ``resources`` (spelled as ``can()`` takes them:
    ``"secrets"``, ``"deployments.apps/scale"``), ``namespaces`` (``None`` for
    cluster-scoped requests) and ``non_resource_urls``. Giving ``resources`` leaves
    out non-resource requests unless ``non_resource_urls`` is given too.

    ``subjects``: a predicate on identities that filters the space's subjects, a list
    of identities (users, service accounts, workloads or user names), or a Hypothesis
    strategy of them. ``requests``: a predicate on requests (``ResourceRequest`` or
    ``NonResourceRequest``) that filters the space's requests, a list of them, or a
    strategy (``pytest_pfperms.strategies.requests(model=model)`` is one).

    A space of at most ``exhaustive_limit`` cases is checked case by case; a larger
    one (or one given by strategies) by Hypothesis, with ``max_examples`` cases
    (default: 1,000, or the active settings profile's ``max_examples`` if larger).

    ``transitive=True`` asks what each subject can do after following escalations
    (:meth:`Model.reach`): a counterexample then explains the whole chain.

    ``shard=(index, count)`` keeps one of ``count`` disjoint parts of the subjects (every
    ``count``-th in a fixed order, from ``index``), so one large space can be spread over
    ``count`` test items and pytest-xdist workers: the shards together hold every case
    once, and a shard may be empty when there are fewer subjects than shards. A shard too
    large to check case by case draws ``1/count`` of the cases (rounded up), so the shards
    together draw as many as the whole space would.
    """
    validation.model(model)
    validation.boolean(outsiders, "outsiders")
    validation.boolean(transitive, "transitive")
    limit = validation.integer(exhaustive_limit, "exhaustive_limit", minimum=0)
    if max_examples is not None:
        validation.integer(max_examples, "max_examples", minimum=1)
    words = vocabulary(model, outsiders=outsiders)
    axes: list[str] = []

    # requests
    if requests is not None and not callable(requests) and (
            verbs is not None or resources is not None or namespaces is not None
            or non_resource_urls is not None):
        raise InvalidArgument("requests= given as a list or strategy replaces the model's requests; "
                              "verbs=, resources=, namespaces= and non_resource_urls= narrow the "
                              "model's requests, so pass one or the other (or requests= as a predicate)")
    request_space: Sequence[Request] | SearchStrategy[Request]
    if _is_strategy(requests):
        request_space = requests  # type: ignore[assignment]
        axes.append("requests drawn from a strategy")
    elif requests is not None and not callable(requests):
        request_space = _request_list(requests)
        axes.append(f"{_count(len(request_space), 'request')} given")
    else:
        verb_list = validation.strings(verbs, "verbs") if verbs is not None else words.verbs
        resource_list = (validation.resources(resources, "resources") if resources is not None
                         else words.resources)
        namespace_list = _narrow_namespaces(namespaces) if namespaces is not None else words.namespaces
        if non_resource_urls is not None:
            url_list = validation.urls(non_resource_urls, "non_resource_urls")
        else:
            url_list = words.urls if resources is None else ()
        url_verbs = verb_list if verbs is not None else words.url_verbs
        narrowed = Vocabulary(words.subjects, verb_list, resource_list, namespace_list, words.names,
                              url_list, url_verbs)
        space = RequestSpace(narrowed)  # built one request at a time, when asked
        request_space = space
        scope = " (one of them cluster scope)" if None in namespace_list else ""
        axes.append(f"{_count(len(space), 'request')} "
                    f"({_count(len(verb_list), 'verb')} x {_count(len(resource_list), 'resource')} x "
                    f"{_count(len(namespace_list), 'namespace')}{scope} x "
                    f"{_count(len(words.names), 'name')}"
                    + (f", plus {_count(space.url_count, 'non-resource request')})" if space.url_count
                       else ")"))
        if requests is not None:
            request_filter = requests
            request_space = [r for r in request_space if request_filter(r)]
            axes[-1] = f"{_count(len(request_space), 'request')} (filtered from {axes[-1]})"

    # subjects
    subject_space: list[Identity] | SearchStrategy[Any]
    if _is_strategy(subjects):
        subject_space = subjects  # type: ignore[assignment]
        axes.insert(0, "subjects drawn from a strategy")
    elif subjects is not None and not callable(subjects):
        if isinstance(subjects, (str, bytes)) or not isinstance(subjects, Iterable):
            raise InvalidArgument(f"subjects must be a predicate, a list of identities or a strategy, "
                                  f"not {subjects!r}")
        subject_space = identities(subjects, model)
        axes.insert(0, f"{_count(len(subject_space), 'subject')} given")
    else:
        subject_space = list(words.subjects)
        if subjects is not None:
            subject_filter = subjects
            subject_space = [s for s in subject_space if subject_filter(s)]
            axes.insert(0, f"{_count(len(subject_space), 'subject')} (filtered from "
                           f"{len(words.subjects):,})")
        else:
            axes.insert(0, _count(len(subject_space), "subject"))
    if isinstance(subject_space, list) and not subject_space:
        raise InvalidArgument("no subject is left in the space: the subjects= filter rejects every "
                              f"one of {len(words.subjects)} ({_preview(words.subjects)})")
    if shard is not None:
        if not isinstance(subject_space, list):
            raise InvalidArgument("shard= splits a list of subjects (the model's, filtered or given); "
                                  "subjects drawn from a strategy cannot be split")
        index, count = _shard(shard)
        subject_space = sorted(subject_space, key=lambda who: (str(who), repr(who)))[index::count]
        axes[0] = f"shard {index + 1} of {count}: {_count(len(subject_space), 'subject')} of {axes[0]}"
    if isinstance(request_space, Sequence) and not request_space:
        raise InvalidArgument("no request is left in the space: check verbs=, resources=, namespaces= "
                              "and the requests= filter")
    return ForAll(model, subject_space, request_space, exhaustive_limit=limit,
                  max_examples=max_examples, shape=" x ".join(axes), transitive=transitive,
                  parts=1 if shard is None else shard[1])


def _shard(value: object) -> tuple[int, int]:
    """``(index, count)`` with ``0 <= index < count``, or InvalidArgument."""
    if (not isinstance(value, tuple) or len(value) != 2
            or not all(type(item) is int for item in value)):
        raise InvalidArgument(f"shard must be a pair (index, count) of integers, as in "
                              f"shard=(0, 4), not {value!r}")
    index, count = value
    if count < 1 or not 0 <= index < count:
        raise InvalidArgument(f"shard=({index}, {count}): the count must be at least 1 and the "
                              f"index from 0 to count - 1")
    return index, count


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}" + ("" if number == 1 else "s")


def _preview(items: Sequence[object], count: int = 4) -> str:
    shown = ", ".join(str(item) for item in items[:count])
    return shown + (", ..." if len(items) > count else "")


def _request_list(values: object) -> list[Request]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidArgument(f"requests must be a predicate, a list of requests or a strategy, "
                              f"not {values!r}")
    items = list(values)
    for item in items:
        if not isinstance(item, (ResourceRequest, NonResourceRequest)):
            raise InvalidArgument(f"requests must hold ResourceRequest or NonResourceRequest objects "
                                  f"(see pytest_pfperms.strategies.requests), not {item!r}")
    return items
