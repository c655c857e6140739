"""pytest plugin: ``pytest --saddlecheck-pgd mypkg.module:impl``.

Registered through the ``pytest11`` entry point, so pytest imports this module
at every start: it imports nothing heavy, never fails, and does nothing unless
``--saddlecheck-pgd`` is given. Then it adds one test per guard property
(``saddlecheck-guard::<property>``); a failure shows the property's verdict,
the shrunk instance and Hypothesis's falsifying-example note.

Options: ``--saddlecheck-profile quick|thorough`` and
``--saddlecheck-properties name,name`` (default: all properties).
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("saddlecheck", "saddlecheck regression guard for PGD implementations")
    group.addoption(
        "--saddlecheck-pgd", action="store", default=None, metavar="MODULE:IMPL",
        help="check the PGD implementation impl(problem, seed) -> x named MODULE:IMPL "
        "(or path/to/file.py:IMPL) against the paper's algorithm and claims",
    )  # fmt: skip
    group.addoption(
        "--saddlecheck-profile", action="store", default="quick", choices=("quick", "thorough"),
        help="guard profile (default: quick)",
    )  # fmt: skip
    group.addoption(
        "--saddlecheck-properties", action="store", default=None, metavar="NAMES",
        help="comma-separated guard properties to run (default: all)",
    )  # fmt: skip


class GuardFailure(Exception):
    """A guard property failed (the message is the property's report)."""


class GuardItem(pytest.Item):
    """One guard property as a pytest test."""

    def __init__(self, *, guard, prop, **kwargs) -> None:
        super().__init__(**kwargs)
        self.guard, self.prop = guard, prop
        self.user_properties.append(("claim", prop.claim))

    def runtest(self) -> None:
        result = self.guard.check(self.prop)
        self.user_properties.append(("status", result.status))
        if result.failed:
            text = result.explain()
            if result.hypothesis_note:
                text += "\n" + result.hypothesis_note
            raise GuardFailure(text)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GuardFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return "saddlecheck-guard", None, f"{self.prop.name} [{self.prop.claim}]"


@pytest.hookimpl(tryfirst=True)  # before -k / --deselect filter the items
def pytest_collection_modifyitems(session, config, items) -> None:
    target = config.getoption("saddlecheck_pgd", None)
    if not target:
        return
    from saddlecheck.testing._guard import Guard, select
    from saddlecheck.testing._load import load_impl

    impl = load_impl(target)
    names = config.getoption("saddlecheck_properties", None)
    props = select(names.split(",") if names else None)
    guard = Guard(impl, config.getoption("saddlecheck_profile", "quick"), name=target)
    for prop in props:
        name = f"saddlecheck-guard::{prop.name}"
        items.append(GuardItem.from_parent(session, name=name, nodeid=name, guard=guard, prop=prop))
