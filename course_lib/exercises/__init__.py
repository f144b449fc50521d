"""Exercises: checkers for every notebook, and reference solutions kept out of sight.

Each notebook's checkers live in ``exercises/<topic>.py`` and its reference solutions in
``exercises/solutions_<topic>.py``. A notebook never prints a solution unless the learner asks:

    show_solution("centred_circle")        # displays the reference code
    solution("centred_circle")             # the reference function itself
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Callable

from course_lib.i18n.language import tr
from course_lib.source import Source, show_source

from .report import CheckReport, call_learner, run_cases

__all__ = ["CheckReport", "call_learner", "run_cases", "solution", "show_solution",
           "solution_names"]


def _solution_modules() -> list[Any]:
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in pkgutil.iter_modules(__path__) if info.name.startswith("solutions_")]


def solution_names() -> list[str]:
    """Every exercise that has a reference solution, across all notebooks."""
    return sorted(name for module in _solution_modules() for name, value in vars(module).items()
                  if inspect.isfunction(value) and value.__module__ == module.__name__
                  and not name.startswith("_"))


def solution(name: str) -> Callable[..., Any]:
    """The reference solution ``name`` (a function), to run or to compare against."""
    for module in _solution_modules():
        found = getattr(module, name, None)
        if inspect.isfunction(found) and found.__module__ == module.__name__:
            return found
    raise KeyError(f"name: no solution called {name!r}; there are: {', '.join(solution_names())}")


def show_solution(name: str) -> Source:
    """The reference solution's code, for when you are stuck or want to compare."""
    return show_source(solution(name), title=tr("Reference solution: {name}", name=name))
