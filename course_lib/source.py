"""Show the code that carries a lesson, at the point the notebook teaches it.

``show_source(samplers.sample_cached_loop)`` renders the function's own source as highlighted
code in the notebook (and so in the book and the slides), straight from ``course_lib``: what the
learner reads is exactly what the tests check and the benchmarks time, never a copy that drifts.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any


class Source:
    """Python source: highlighted code in a notebook, plain text when printed."""

    def __init__(self, code: str, title: str | None = None) -> None:
        self.code = textwrap.dedent(code).rstrip() + "\n"
        self.title = title

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return self.code

    def _repr_markdown_(self) -> str:
        heading = f"*{self.title}*\n\n" if self.title else ""
        return f"{heading}```python\n{self.code}```"


def show_source(obj: Any, *, title: str | None = None) -> Source:
    """The source of a function, method or class, titled by where it lives in ``course_lib``."""
    target = inspect.unwrap(getattr(obj, "func", obj))  # functools.partial: its function
    try:
        code = inspect.getsource(target)
    except (TypeError, OSError) as error:
        raise TypeError(f"obj: expected a function, method or class defined in Python source, "
                        f"got {type(obj).__name__}") from error
    if title is None:
        module = getattr(target, "__module__", "")
        title = f"{module}.{getattr(target, '__qualname__', '')}".lstrip(".")
    return Source(code, title)
