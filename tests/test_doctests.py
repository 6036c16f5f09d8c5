"""Every docstring example of the library runs and holds (`>>>` lines are claims, kept true here)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import backfire

MODULES = sorted(m.name for m in pkgutil.walk_packages(backfire.__path__, "backfire.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0


def test_the_examples_of_the_detector_and_its_parts_are_collected() -> None:
    finder = doctest.DocTestFinder()
    found = {name: sum(len(t.examples) for t in finder.find(importlib.import_module(name))) for name in
             ("backfire.warn.detector", "backfire.warn.structure", "backfire.understand.stance", "backfire.pipeline")}
    assert all(found.values()), found
