"""Every README command marked runnable works as printed, with the output shown.

A block is runnable when the line before its opening fence is
``<!-- runnable -->``. In a ```` ```console ```` block, lines starting with
``$ `` are commands (``# exits N`` at the end states a non-zero exit code) and
the lines after a command are its output as printed in the README: each of
them must appear, in order, in the real output (a line ``...`` stands for
lines left out; a line ending in ``...`` must start an output line).
```` ```bash ```` blocks marked runnable are run as scripts and must exit 0.
Blocks without the marker (``make demo``, ``make test``: they would recurse)
are not run.

Commands run in a scratch directory holding links to ``examples/`` and
``benchmarks/``, with the virtualenv's ``bin`` first on ``PATH``.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARK = "<!-- runnable -->"
FENCE = re.compile(r"^```(\w*)\s*$")
EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")


def blocks() -> list[tuple[int, str, list[str]]]:
    """``(line number, language, lines)`` of every runnable fenced block."""
    lines = README.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m.group(1):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            if i > 0 and lines[i - 1].strip() == MARK:
                out.append((i + 1, m.group(1), lines[i + 1 : j]))
            i = j + 1
        else:
            i += 1
    return out


def commands(block: list[str]) -> list[tuple[str, int, list[str]]]:
    """``(command, expected exit code, expected output lines)`` of a console block."""
    out: list[tuple[str, int, list[str]]] = []
    for line in block:
        if line.startswith("$ "):
            cmd = line[2:]
            m = EXITS.search(cmd)
            code = int(m.group(1)) if m else 0
            out.append((EXITS.sub("", cmd), code, []))
        elif out:
            out[-1][2].append(line.rstrip())
    return out


def _env(tmp_path: pathlib.Path) -> dict:
    for name in ("examples", "benchmarks"):
        link = tmp_path / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    bindir = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
            "MPLBACKEND": "Agg", "SADDLECHECK_FAST": "1", "COLUMNS": "100"}  # fmt: skip


def assert_output_shown(shown: list[str], actual: str, cmd: str) -> None:
    got = [line.rstrip() for line in actual.splitlines()]
    pos = 0
    for want in shown:
        if want.strip() in ("...", ""):
            continue
        try:
            if want.endswith("..."):
                head = want[:-3]
                pos = next(i for i in range(pos, len(got)) if got[i].startswith(head)) + 1
            else:
                pos = got.index(want, pos) + 1
        except (ValueError, StopIteration):
            raise AssertionError(
                f"README output line not produced by `{cmd}`:\n  {want!r}\nactual output:\n{actual}"
            ) from None


BLOCKS = blocks()


def test_readme_has_runnable_blocks():
    assert len(BLOCKS) >= 3
    cmds = [c for _, lang, b in BLOCKS if lang == "console" for c, _, _ in commands(b)]
    assert any(c.startswith("saddlecheck analyze") for c in cmds)
    assert any(c.startswith("saddlecheck certify") for c in cmds)


@pytest.mark.parametrize(("lineno", "lang", "block"), BLOCKS, ids=[f"L{b[0]}" for b in BLOCKS])
def test_readme_block(lineno, lang, block, tmp_path):
    env = _env(tmp_path)
    if lang == "console":
        for cmd, code, shown in commands(block):
            res = subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=tmp_path,
                                 env=env, timeout=300)  # fmt: skip
            assert res.returncode == code, (
                f"README line {lineno}: `{cmd}` exited {res.returncode}, expected {code}\n"
                f"{res.stdout}\n{res.stderr}"
            )
            assert_output_shown(shown, res.stdout + res.stderr, cmd)
    else:
        res = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(block)],
                             capture_output=True, text=True, cwd=tmp_path, env=env,
                             timeout=300)  # fmt: skip
        assert res.returncode == 0, f"README line {lineno}:\n{res.stdout}\n{res.stderr}"


# ---------------------------------------------------------------- the demo excerpt

EXCERPT = re.compile(r"^<!-- demo-excerpt: ([\w-]+) -->$")


def demo_excerpt() -> tuple[str, list[str]]:
    """``(act, lines)`` of the README's demo excerpt (the fenced block after the marker)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = EXCERPT.match(line.strip())
        if m:
            assert FENCE.match(lines[i + 1]), "the excerpt marker must precede a fenced block"
            end = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
            return m.group(1), [ln.rstrip() for ln in lines[i + 2 : end]]
    raise AssertionError("README has no <!-- demo-excerpt: ACT --> block")


@pytest.mark.slow
def test_demo_excerpt_is_what_the_demo_prints_today(tmp_path):
    """The README's demo numbers come from a fresh, deterministic run of that act."""
    from saddlecheck.demo import run_demo

    act, shown = demo_excerpt()
    printed: list[str] = []
    report = run_demo(str(tmp_path), acts=(act,), log=printed.append)
    assert report.ok, report.checks
    start = next(i for i, ln in enumerate(printed) if ln[:1].isdigit())  # "3. The octopus ..."
    produced = [ln.rstrip() for ln in printed[start:] if not ln.strip().startswith("figures:")]
    assert shown == produced, "README demo excerpt is stale; replace it with:\n" + "\n".join(
        produced
    )


def test_readme_says_how_to_reach_the_installed_command():
    text = README.read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in text and ".venv/bin/saddlecheck" in text
    assert "No module named 'flint'" in text  # the symptom a reader would search for


def test_shipped_files_cite_only_documents_that_ship():
    """Docstrings once cited DESIGN.md and a bare CLAIMS.md, which are not in the
    repository; the claims list ships as docs/CLAIMS.md."""
    cited = []
    for folder in ("saddlecheck", "proofs", "examples", "benchmarks", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8").replace("docs/CLAIMS.md", "")
            if path.name != "test_readme.py" and ("DESIGN.md" in text or "CLAIMS.md" in text):
                cited.append(str(path.relative_to(ROOT)))
    assert not cited, f"these cite a document that does not ship: {cited}"
    assert (ROOT / "docs" / "CLAIMS.md").is_file()
