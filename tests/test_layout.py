"""The tree shows the architecture: layers import downward only, no module is
named like a public function of its package, and no file grows into a catalogue."""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

import saddlecheck as sc

PACKAGE = pathlib.Path(sc.__file__).parent

#: core <- analyses <- solver <- guard <- face (README "Repository layout").
LAYERS = {
    "core": (
        "_validation",
        "_parsing",
        "_expression",
        "domain",
        "objective",
        "box",
        "arith",
        "frontends",
    ),
    "analyses": ("landscape", "certificates", "problems"),
    "solver": ("solver",),
    "guard": ("claims", "strategies", "testing"),
    "face": ("cli", "demo", "plot", "__main__"),
}
RANK = {top: rank for rank, tops in enumerate(LAYERS.values()) for top in tops}
MAX_LINES = 450


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if rel.parts == ("__init__",):
            continue  # the package's public face names every layer (lazily)
        yield path, rel.parts[0]


def _imported(path: pathlib.Path):
    """Every ``saddlecheck.X`` this file imports, at module level or inside a function."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "saddlecheck":
                if len(parts) > 1:
                    yield parts[1], node.lineno
                else:  # from saddlecheck import claims / Objective
                    for alias in node.names:
                        yield (alias.name if alias.name in RANK else "__init__"), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "saddlecheck" and len(parts) > 1:
                    yield parts[1], node.lineno


def test_every_top_level_module_has_a_layer():
    tops = {top for _, top in _modules()}
    assert tops <= set(RANK), f"give these a layer in LAYERS: {sorted(tops - set(RANK))}"


@pytest.mark.parametrize("path, top", list(_modules()), ids=lambda p: str(p))
def test_imports_run_downward_only(path, top):
    upward = [
        f"line {line}: saddlecheck.{target} ({_layer(target)}) from {top} ({_layer(top)})"
        for target, line in _imported(path)
        if target != "__init__" and RANK[target] > RANK[top]
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} imports a higher layer: {upward}"


def _layer(top: str) -> str:
    return next(name for name, tops in LAYERS.items() if top in tops)


def test_no_module_shares_its_name_with_a_public_function():
    clashes = []
    for pkg in (
        "saddlecheck",
        "saddlecheck.solver",
        "saddlecheck.landscape",
        "saddlecheck.certificates",
    ):
        module = importlib.import_module(pkg)
        folder = pathlib.Path(module.__file__).parent
        for name in getattr(module, "__all__", []):
            if (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists():
                clashes.append(f"{pkg}.{name}")
    assert not clashes, f"modules named like public functions: {clashes}"


def test_importing_every_submodule_keeps_the_public_functions():
    for path, _ in _modules():
        rel = path.relative_to(PACKAGE).with_suffix("")
        if rel.name != "__main__":
            importlib.import_module(".".join(("saddlecheck", *rel.parts)).removesuffix(".__init__"))
    for name in sc.__all__:
        assert not isinstance(getattr(sc, name), type(sc)), f"sc.{name} is a module"


def test_no_file_over_the_line_limit():
    roots = [PACKAGE, PACKAGE.parent / "proofs"]
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for root in roots
        for p in root.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"files over {MAX_LINES} lines (split them by concept): {long}"
