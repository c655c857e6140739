"""What a command returns to :func:`saddlecheck.cli.main`: text, JSON data, verdict.

Exit codes (stable, documented in the README):

* ``0`` the asked verdict holds (or the command had no verdict to give and succeeded);
* ``1`` the asked verdict is disproved (its negation is proved);
* ``2`` bad input (one line on stderr; ``--debug`` shows the traceback);
* ``3`` undecided at this precision/budget, stopped by ``--timeout``, or (``run``)
  PGD did not finish as Algorithm 2 states (stopped at ``max_iter``, or its
  iterates left the box the constants were proved on);
* ``4`` internal error (a bug: please report it; never confused with ``1``).

Every ``--json`` document is one JSON object with at least the keys
``"saddlecheck"`` (the version), ``"command"``, ``"verdict"`` (``"holds"``,
``"disproved"``, ``"undecided"`` or ``"n/a"``), ``"exit_code"`` and
``"figures"`` (paths written by ``--plot``), plus the command's own keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

EXIT_HOLDS = 0
EXIT_DISPROVED = 1
EXIT_BAD_INPUT = 2
EXIT_UNDECIDED = 3
EXIT_INTERNAL = 4

NOT_ASKED = "n/a"
_VERDICT = {True: "holds", False: "disproved", None: "undecided"}
_EXIT = {True: EXIT_HOLDS, False: EXIT_DISPROVED, None: EXIT_UNDECIDED}


def verdict_word(holds: bool | None) -> str:
    """``True``/``False``/``None`` as ``"holds"``/``"disproved"``/``"undecided"``."""
    return _VERDICT[holds]


@dataclass
class Outcome:
    """A command's result: human ``lines``, machine ``data``, and the verdict asked for.

    ``verdict`` is ``True``/``False``/``None`` (three-valued, as everywhere in
    saddlecheck) or :data:`NOT_ASKED` when the command answers no yes/no question.
    """

    command: str
    verdict: bool | str | None = NOT_ASKED
    lines: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    list_figures: bool = True  # end the text with "figure: PATH" lines
    stream: TextIO | None = None  # text mode: lines are printed here as they are said
    printed: int = 0  # lines already written to ``stream``

    def say(self, *lines: str) -> None:
        """Add lines to the report and, in text mode, print them now (streamed output)."""
        self.lines.extend(lines)
        self.flush()

    def flush(self) -> None:
        if self.stream is None:
            return
        fresh = self.lines[self.printed :]
        if fresh:
            self.stream.write("\n".join(fresh) + "\n")
            self.stream.flush()
        self.printed = len(self.lines)

    @property
    def exit_code(self) -> int:
        return EXIT_HOLDS if self.verdict == NOT_ASKED else _EXIT[self.verdict]

    def json_document(self, version: str) -> dict:
        word = NOT_ASKED if self.verdict == NOT_ASKED else _VERDICT[self.verdict]
        return {
            "saddlecheck": version,
            "command": self.command,
            "verdict": word,
            "exit_code": self.exit_code,
            "figures": list(self.figures),
            **self.data,
        }

    def text(self) -> str:
        """The lines not yet streamed, then the figures."""
        out = list(self.lines[self.printed :])
        if self.list_figures:
            out += [f"figure: {p}" for p in self.figures]
        return "\n".join(out)
