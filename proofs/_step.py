"""One checked step of a derivation: what is claimed, how it was checked, the verdict.

A :class:`Step` is the unit every ``proofs/<name>.py`` module returns from its
``check(**constants)``. The rules it enforces are the ones of issue 7:

* ``method`` is how the claim was checked: ``"symbolic"`` (SymPy: an identity
  reduced to 0 by ``expand``/``cancel``, or an inequality reduced to a
  manifestly nonnegative form), ``"interval"`` (outward-rounded ball
  arithmetic, python-flint ``arb``, over a stated domain), ``"exact"``
  (rational arithmetic) or ``"numeric"`` (sampling in floating point);
* ``status`` is ``"proved"``, ``"refuted"`` (``detail`` holds the
  counterexample) or ``"open"`` (``detail`` says what is known and why it is
  not a proof);
* a ``"numeric"`` step is never ``"proved"``: sampling finds counterexamples,
  it does not prove.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

METHODS = ("symbolic", "interval", "exact", "numeric")
STATUSES = ("proved", "refuted", "open")


@dataclass(frozen=True)
class Step:
    """A claim of the paper's analysis with the machine check behind its verdict.

    Attributes:
        key: a short stable identifier, ``"<module>.<name>"``; tests pin verdicts by it.
        statement: the claim, in the paper's symbols.
        method: one of :data:`METHODS`.
        status: one of :data:`STATUSES`.
        assumptions: what the check takes as given (hypotheses, textbook facts, other steps).
        detail: the domain for interval steps, the counterexample for refuted
            steps, the reason for open steps, the reduction used otherwise.

    Raises:
        ValueError: for an unknown method or status, or a numeric step marked proved.

    Examples:
        >>> s = Step("demo.one", "1 + 1 = 2", "exact", "proved", (), "integer arithmetic")
        >>> s.explain()
        '[proved, exact] 1 + 1 = 2 -- integer arithmetic'
        >>> Step("demo.two", "x >= 0", "numeric", "proved")
        Traceback (most recent call last):
        ...
        ValueError: step 'demo.two': a numeric step cannot be 'proved' (sampling is not a proof)
    """

    key: str
    statement: str
    method: str
    status: str
    assumptions: tuple[str, ...] = field(default_factory=tuple)
    detail: str = ""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"step {self.key!r}: method={self.method!r} not in {METHODS}")
        if self.status not in STATUSES:
            raise ValueError(f"step {self.key!r}: status={self.status!r} not in {STATUSES}")
        if self.method == "numeric" and self.status == "proved":
            raise ValueError(
                f"step {self.key!r}: a numeric step cannot be 'proved' (sampling is not a proof)"
            )
        if self.status != "proved" and not self.detail:
            raise ValueError(f"step {self.key!r}: a {self.status} step needs a detail")
        object.__setattr__(self, "assumptions", tuple(self.assumptions))

    def explain(self) -> str:
        """One line for people: verdict, method, statement and detail."""
        text = f"[{self.status}, {self.method}] {self.statement}"
        return f"{text} -- {self.detail}" if self.detail else text

    def to_dict(self) -> dict:
        """The step as a plain dictionary (lists instead of tuples)."""
        data = asdict(self)
        data["assumptions"] = list(self.assumptions)
        return data

    def to_json(self) -> str:
        """The step as a JSON object."""
        return json.dumps(self.to_dict(), sort_keys=True)


def verdict(
    key: str,
    statement: str,
    method: str,
    ok: bool | None,
    *,
    proof: str,
    counterexample: str = "",
    reason: str = "",
    assumptions: tuple[str, ...] = (),
) -> Step:
    """A step from a three-valued check: ``True`` proved, ``False`` refuted, ``None`` open.

    Examples:
        >>> verdict("demo.v", "2 > 1", "exact", True, proof="integers").status
        'proved'
        >>> verdict("demo.w", "1 > 2", "exact", False, proof="", counterexample="1 <= 2").detail
        '1 <= 2'
    """
    if ok is not None:
        ok = bool(ok)  # SymPy/NumPy booleans are not `True`
    if ok is True:
        return Step(key, statement, method, "proved", assumptions, proof)
    if ok is False:
        return Step(key, statement, method, "refuted", assumptions, counterexample)
    return Step(key, statement, method, "open", assumptions, reason or "undecided")


def chain(
    key: str, statement: str, links: list[Step], *, proof: str, assumptions: tuple[str, ...] = ()
) -> Step:
    """A conclusion that holds when every link of its derivation is proved.

    A refuted or open link leaves the conclusion ``open`` (another argument
    might still prove it), naming the links that failed.

    Examples:
        >>> a = Step("demo.a", "a", "exact", "proved")
        >>> b = Step("demo.b", "b", "exact", "refuted", (), "b fails at 0")
        >>> chain("demo.c", "c", [a], proof="from a").status
        'proved'
        >>> chain("demo.c", "c", [a, b], proof="from a, b").detail
        'the derivation breaks at: demo.b (refuted)'
    """
    bad = [s for s in links if s.status != "proved"]
    if not bad:
        return Step(key, statement, "symbolic", "proved", assumptions, proof)
    names = ", ".join(f"{s.key} ({s.status})" for s in bad)
    return Step(
        key, statement, "symbolic", "open", assumptions, f"the derivation breaks at: {names}"
    )
