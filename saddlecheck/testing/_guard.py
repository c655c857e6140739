"""``check_pgd``: run the guard's properties against an implementation.

Each property is a Hypothesis search over guard instances (:mod:`._cases`)
with a fixed seed, so a run of the guard is deterministic for a deterministic
implementation. Every search starts from the pinned explicit example; runs are
cached by instance, so properties share them and only shrinking costs extra
runs. The thorough profile first runs the quick profile's search (same
instances, same seeds), so it never passes what quick fails. A failing
property reports its most likely cause (:mod:`._diagnose`), the shrunk
instance and its verdict, and is saved as a JSON case (:mod:`._replay`) that
``check_pgd(impl, replay=...)`` and ``saddlecheck guard IMPL --replay`` run again.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings

from saddlecheck._validation import InputError
from saddlecheck.claims._verdict import Verdict, not_applicable
from saddlecheck.testing._cases import PROFILES, Profile, cases, pinned
from saddlecheck.testing._diagnose import likely_cause
from saddlecheck.testing._problem import GuardCase
from saddlecheck.testing._properties import NAMES, PROPERTIES, Property, Run, execute
from saddlecheck.testing._replay import default_cases_dir, impl_target, load_case, save_case

#: The Hypothesis seed of every guard search (CI-style determinism).
GUARD_SEED = 20170301


class _Failed(AssertionError):
    pass


@dataclass(frozen=True)
class PropertyResult:
    """The outcome of one property.

    Attributes:
        name, claim, kind: the property (see ``saddlecheck.testing.PROPERTIES``).
        status: ``"passed"``, ``"failed"``, ``"not applicable"`` (no instance
            applied, e.g. the trace could not be reconstructed) or
            ``"undecided"`` (only undecided verdicts, e.g. certification at a
            point too close to the threshold).
        verdict: the failing verdict (shrunk instance), else the last verdict.
        example: the failing instance, readable, after shrinking (``None`` unless
            failed).
        examples: instances checked; not_applicable: how many did not apply.
        false_alarm: upper bound on the probability that a correct
            implementation fails this property in this run of the guard (sum
            over the statistical decisions; 0 for deterministic properties).
        hypothesis_note: Hypothesis's own "Falsifying example" text.
        seconds: time spent.
        cause: the most likely cause of a failure, one line (else ``""``).
        case_file: the JSON case saved for a failure (else ``""``).
        replay: the command that replays it (else ``""``).
        profile: the profile whose search found the failure (thorough runs
            quick's instances first).
    """

    name: str
    claim: str
    kind: str
    status: str
    verdict: Verdict | None
    example: str | None
    examples: int
    not_applicable: int
    false_alarm: float
    seconds: float
    hypothesis_note: str = ""
    cause: str = ""
    case_file: str = ""
    replay: str = ""
    profile: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def explain(self) -> str:
        head = f"{self.name} [{self.claim}, {self.kind}]: {self.status.upper()}"
        head += f" ({self.examples} instance(s), {self.not_applicable} not applicable"
        head += f", false-alarm <= {self.false_alarm:.2g}, {self.seconds:.1f} s)"
        lines = [head]
        if self.cause:
            lines.append("  likely cause: " + self.cause)
        if self.verdict is not None and (self.failed or self.status != "passed"):
            lines.append("  evidence: " + self.verdict.explain())
        if self.example:
            lines.append("  " + self.example)
        if self.replay:
            lines.append("  replay: " + self.replay)
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


@dataclass(frozen=True)
class GuardReport:
    """All properties' results for one implementation."""

    impl: str
    profile: str
    passed: bool
    results: tuple[PropertyResult, ...]
    false_alarm: float
    seconds: float
    runs: int

    def __getitem__(self, name: str) -> PropertyResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.results if r.failed)

    def explain(self) -> str:
        state = "PASSED" if self.passed else f"FAILED ({', '.join(self.failed)})"
        lines = [
            f"saddlecheck guard, profile {self.profile!r}, implementation {self.impl}: {state}",
            f"{self.runs} runs in {self.seconds:.1f} s; probability that a correct "
            f"implementation fails this report <= {self.false_alarm:.2g}",
        ]
        lines += [r.explain() for r in self.results]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, indent=2)


class Guard:
    """An implementation under test, its run cache and the searches over it.

    Args:
        impl: ``impl(problem, seed) -> x``.
        profile: ``"quick"``, ``"thorough"`` or a :class:`Profile`.
        name: how reports and replay commands name ``impl`` (``module:impl``).
        cases_dir: where failing cases are saved (``None``: the default,
            ``$SADDLECHECK_CASES`` or ``<tmp>/saddlecheck-cases``; ``False``: not saved).
    """

    def __init__(
        self,
        impl: Callable,
        profile: str | Profile = "quick",
        name: str | None = None,
        cases_dir=None,
    ):
        if not callable(impl):
            raise InputError(f"impl={impl!r} is not callable; pass impl(problem, seed) -> x")
        if isinstance(profile, str):
            if profile not in PROFILES:
                raise InputError(f"profile={profile!r} must be one of {sorted(PROFILES)}")
            profile = PROFILES[profile]
        self.impl, self.profile = impl, profile
        self.name = name or impl_target(impl)
        self.cases_dir = default_cases_dir() if cases_dir is None else cases_dir
        self._cache: dict[GuardCase, Run] = {}
        self._shrink_used = 0.0

    def run(self, case: GuardCase) -> Run:
        if case not in self._cache:
            self._cache[case] = execute(self.impl, case)
        return self._cache[case]

    @property
    def runs(self) -> int:
        return len(self._cache)

    def _seeds(self, prop: Property, case: GuardCase, pr: Profile) -> list[GuardCase]:
        if prop.cases == "sampler":
            n = pr.sampler_seeds
            return [case.with_seed(case.seed * n + i) for i in range(n)]
        return [case]

    def _evaluate(self, prop: Property, case: GuardCase, pr: Profile) -> Verdict:
        runs = []
        for c in self._seeds(prop, case, pr):
            runs.append(self.run(c))
            lost = [r for r in runs if r.error is not None]
            if len(lost) >= 2:  # pooled runs that do not return: stop spending the budget
                return not_applicable(
                    prop.claim, "P", f"{len(lost)} of the first {len(runs)} pooled runs did not "
                    f"return a point (e.g. seed {lost[0].case.seed}: {lost[0].error})",
                )  # fmt: skip
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # the guard's own arithmetic
            return prop.check(runs) if prop.cases == "sampler" else prop.check(runs[0])

    def _search(self, prop: Property, explicit: bool, seen: list, pr: Profile) -> tuple[list, str]:
        """One Hypothesis search; returns the failures seen (the last is the shrunk one)."""
        n_ex = {"any": pr.examples, "saddle": pr.saddle_examples, "sampler": pr.sampler_examples}
        failures: list[tuple[GuardCase, Verdict]] = []
        t_fail = [0.0]

        def body(case: GuardCase) -> None:
            if failures:
                spent = time.perf_counter() - t_fail[0]
                late = spent > pr.shrink_seconds or self._shrink_used + spent > pr.shrink_total
                if late and any(c not in self._cache for c in self._seeds(prop, case, pr)):
                    return  # shrinking time is up: only replay instances already run
            v = self._evaluate(prop, case, pr)
            seen.append(v)
            if v.holds is False:
                if not failures:
                    t_fail[0] = time.perf_counter()
                failures.append((case, v))
                raise _Failed(v.explain())

        search = given(cases(pr, prop.cases))(body)
        if explicit:
            search = example(pinned(prop.cases))(search)
        search = settings(
            max_examples=n_ex[prop.cases], database=None, deadline=None, derandomize=False,
            phases=(Phase.explicit, Phase.generate, Phase.shrink), report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
        )(seed(GUARD_SEED)(search))  # fmt: skip
        note = ""
        try:
            search()
        except _Failed as exc:
            note = "\n".join(getattr(exc, "__notes__", []))
        except Exception as exc:  # Hypothesis' Flaky etc.: keep the failure we saw
            if not failures:
                raise
            note = f"{type(exc).__name__}: {exc}"
        if failures:
            self._shrink_used += time.perf_counter() - t_fail[0]
        return failures, note

    def _profiles(self) -> list[Profile]:
        """Quick first, then this profile: a deeper profile never passes what quick fails."""
        quick = PROFILES["quick"]
        return [self.profile] if self.profile == quick else [quick, self.profile]

    def check(self, prop: Property) -> PropertyResult:
        """Search for an instance violating ``prop``; shrink it if found.

        The pinned explicit example is tried first; Hypothesis does not shrink
        explicit examples, so when it fails a second search (generated examples
        only, same seed) looks for a failure it can shrink, and reports that one
        if it finds it. Profiles deeper than quick run quick's search first.
        """
        start = time.perf_counter()
        seen: list[Verdict] = []
        for pr in self._profiles():
            failures, note = self._search(prop, True, seen, pr)
            label = "shrunk instance"
            if failures and failures[-1][0] == pinned(prop.cases):
                more, more_note = self._search(prop, False, seen, pr)
                if more:
                    failures, note = more, more_note
                else:
                    label = "pinned instance (explicit example, not shrunk)"
            if failures:
                break
        fa = math.fsum(v.false_alarm or 0.0 for v in seen)
        na = sum(1 for v in seen if v.holds is None)
        if failures:
            case, v = failures[-1]
            return self._failure(prop, pr, case, v, f"{label}: {case.describe()}", note,
                                 len(seen), na, min(fa, 1.0), start)  # fmt: skip
        v = seen[-1] if seen else None
        decided = [s for s in seen if s.holds is not None]
        undecided = [s for s in seen if s.holds is None and not s.message.startswith("not app")]
        status = "passed" if decided else ("undecided" if undecided else "not applicable")
        return PropertyResult(
            prop.name, prop.claim, prop.kind, status, v, None, len(seen), na, min(fa, 1.0),
            time.perf_counter() - start, note, profile=self.profile.name,
        )  # fmt: skip

    def _failure(self, prop, pr, case, v, example_text, note, n, na, fa, start) -> PropertyResult:
        runs = [self.run(c) for c in self._seeds(prop, case, pr)]
        try:
            cause = likely_cause(prop.name, runs, v, list(self._cache.values()))
        except Exception as exc:  # a diagnosis must never hide the failure itself
            cause = f"no cause identified (diagnosis raised {type(exc).__name__})"
        case_file, replay = "", ""
        if self.cases_dir is not False:
            extra = {"impl": self.name, "sampler_seeds": pr.sampler_seeds,
                     "verdict": v.explain(), "cause": cause}  # fmt: skip
            path = save_case(Path(self.cases_dir), self.name, prop.name, pr.name, case, extra)
            case_file = str(path)
            replay = f"saddlecheck guard {self.name} --replay {path}"
        return PropertyResult(
            prop.name, prop.claim, prop.kind, "failed", v, example_text, n, na, fa,
            time.perf_counter() - start, note, cause, case_file, replay, pr.name,
        )  # fmt: skip

    def replay(self, data: dict, prop: Property | None = None) -> PropertyResult:
        """Run the property of a loaded case file (:func:`load_case`) on its instance again
        (or ``prop``: any property on the same instance)."""
        start = time.perf_counter()
        if prop is None:
            (prop,) = select([data["property"]])
        pr = PROFILES.get(data["profile"], self.profile)
        n = int(data.get("sampler_seeds", pr.sampler_seeds))
        if n != pr.sampler_seeds:
            pr = Profile(**{**pr.__dict__, "sampler_seeds": n})
        case = data["case"]
        v = self._evaluate(prop, case, pr)
        if v.holds is False:
            return self._failure(prop, pr, case, v, f"replayed instance: {case.describe()}",
                                 "", 1, 0, v.false_alarm or 0.0, start)  # fmt: skip
        status = {True: "passed", None: "not applicable"}[v.holds]
        if v.holds is None and not v.message.startswith("not app"):
            status = "undecided"
        return PropertyResult(
            prop.name, prop.claim, prop.kind, status, v, f"replayed instance: {case.describe()}",
            1, int(v.holds is None), v.false_alarm or 0.0, time.perf_counter() - start,
            profile=pr.name,
        )  # fmt: skip


def select(properties: Sequence[str] | None) -> tuple[Property, ...]:
    """The properties named (all by default), in the guard's order."""
    if properties is None:
        return PROPERTIES
    names = [properties] if isinstance(properties, str) else list(properties)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise InputError(f"unknown properties {unknown}; known: {', '.join(NAMES)}")
    return tuple(p for p in PROPERTIES if p.name in names)


def check_pgd(
    impl: Callable,
    profile: str = "quick",
    properties: Sequence[str] | None = None,
    *,
    fail_fast: bool = False,
    replay=None,
    name: str | None = None,
    cases_dir=None,
) -> GuardReport:
    """Check a PGD implementation against the paper's algorithm and claims.

    Args:
        impl: ``impl(problem, seed) -> x``; ``problem`` has ``f``, ``grad``
            (float64 numpy callables, instrumented), ``x0``, ``dim``, ``ell``,
            ``rho``, ``eps``, ``c``, ``delta``, ``delta_f``, ``max_iter``.
            PyTorch and JAX code: wrap it with :func:`torch_optimizer`,
            :func:`torch_function`, :func:`optax_transform` or :func:`jax_function`.
        profile: ``"quick"`` (CI, under a minute for a numpy implementation) or
            ``"thorough"`` (nightly; runs quick's instances first).
        properties: names from ``saddlecheck.testing.NAMES`` (default: all).
        fail_fast: stop at the first failing property (the others are left out).
        replay: a case file saved by an earlier failure (path, JSON text or
            dict): run its property on its instance only (with ``properties``:
            those properties on that instance).
        name: how the report and the replay command name ``impl``
            (default ``module:qualname``).
        cases_dir: where failing cases are saved (default ``$SADDLECHECK_CASES`` or
            ``<tmp>/saddlecheck-cases``; ``False``: not saved).

    Returns:
        A :class:`GuardReport`; ``passed`` is ``True`` when no property failed.
        Each failure names its likely cause and the command that replays it.
        Statistical properties state their false-alarm probability; the report's
        ``false_alarm`` bounds the probability that a correct implementation fails.

    Raises:
        InputError: unknown profile or property, ``impl`` not callable, or a
            malformed case file.
    """
    start = time.perf_counter()
    if replay is not None:
        data = load_case(replay)
        guard = Guard(impl, data["profile"], name=name, cases_dir=cases_dir)
        props = [None] if properties is None else select(properties)
        results = [guard.replay(data, p) for p in props]
    else:
        props = select(properties)
        guard = Guard(impl, profile, name=name, cases_dir=cases_dir)
        results = []
        for p in props:
            results.append(guard.check(p))
            if fail_fast and results[-1].failed:
                break
    return GuardReport(
        guard.name, guard.profile.name, not any(r.failed for r in results), tuple(results),
        min(1.0, math.fsum(r.false_alarm for r in results)), time.perf_counter() - start,
        guard.runs,
    )  # fmt: skip
