"""What a class sees is the lesson: executed notebooks are cleaned before they become pages.

Two things in an executed notebook are noise on a page or a projector:

* TensorFlow's C++ runtime logs through glog/absl straight to the process's stderr (``I0000
  00:00:1733312345.678901  4242 service.cc:152] XLA service ... initialized``), which Python
  cannot silence once the library is loaded; the kernel forwards those lines into the cell's
  output. ``strip_native_logs`` removes them.
* Widgets (notebook 01's flash cards, the progress bars of ``measure.compare``) need a widget
  manager script from a CDN to appear in a static page. ``freeze_widgets`` renders each displayed
  widget once, as plain HTML built from the state the kernel left, so a page offline shows the
  card the learner would see (its buttons drawn, disabled: a page has no kernel to answer them)
  and not the progress bars, which hide themselves when done.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

#: A glog line: severity, date and time (absl prints 0000 00:00:<epoch seconds>), thread id,
#: ``file:line]``, message.
NATIVE_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+(?:\.\d+)?\s+\d+ [\w.\-/]+:\d+\] .*$")
#: absl's one-line notice printed before its first log line.
ABSL_NOTICE = ("WARNING: All log messages before absl::InitializeLog() is called are written "
               "to STDERR")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MODEL_REFERENCE = "IPY_MODEL_"
#: Second lines of multi-line native messages (TensorFlow's CPU-feature notice), dropped only
#: right after a native log line.
CONTINUATIONS = ("To enable the following instructions:",)


def is_native_log(line: str) -> bool:
    """True for a line TensorFlow's C++ runtime wrote (glog format, or absl's notice)."""
    return bool(NATIVE_LOG_LINE.match(line)) or line.startswith(ABSL_NOTICE)


def _each_output(notebook, change: Callable[[dict], dict | None]) -> None:
    """Replace every code cell's outputs by ``change(output)``, dropping those it maps to None."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell["outputs"] = [kept for output in cell.get("outputs", [])
                               if (kept := change(output)) is not None]


def strip_native_logs(notebook) -> int:
    """Remove C++ log lines from every stream output of ``notebook`` (in place), and any output
    left empty by that; return how many lines went."""
    removed = 0

    def strip(output: dict) -> dict | None:
        nonlocal removed
        if output.get("output_type") != "stream":
            return output
        lines = output["text"].splitlines(keepends=True)
        kept, after_log = [], False
        for line in lines:
            native = is_native_log(line.rstrip("\r\n")) or (after_log
                                                             and line.startswith(CONTINUATIONS))
            if not native:
                kept.append(line)
            after_log = native
        removed += len(lines) - len(kept)
        output["text"] = "".join(kept)
        return output if output["text"] else None

    _each_output(notebook, strip)
    return removed


def _model(reference: str, state: dict) -> dict | None:
    return state.get(reference.removeprefix(MODEL_REFERENCE))


def widget_html(model_id: str, state: dict) -> str | None:
    """Static HTML for one widget and its children ("" for a hidden one), or None where a model
    is unknown or gone."""
    model = _model(model_id, state)
    if model is None:
        return None
    name, fields = model.get("model_name"), model.get("state", {})
    layout = (_model(fields.get("layout") or "", state) or {}).get("state", {})
    if layout.get("visibility") == "hidden" or layout.get("display") == "none":
        return ""
    if name in ("VBoxModel", "HBoxModel", "BoxModel"):
        children = [widget_html(ref, state) for ref in fields.get("children", [])]
        if any(child is None for child in children):
            return None
        direction = "row" if name == "HBoxModel" else "column"
        return (f'<div style="display:flex;flex-direction:{direction};gap:0.4em">'
                f'{"".join(children)}</div>')
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<div>{fields.get('value', '')}</div>"
    if name == "LabelModel":
        return f"<div>{html.escape(fields.get('value', ''))}</div>"
    if name == "ButtonModel":
        return f"<button disabled>{html.escape(fields.get('description', ''))}</button>"
    return None


def freeze_widgets(notebook) -> int:
    """Replace every displayed widget with static HTML of its last state (in place), remove the
    hidden ones and drop the widget state; a widget that cannot be drawn keeps its plain-text
    form. Returns how many widgets were drawn."""
    saved = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    drawn = 0

    def freeze(output: dict) -> dict | None:
        nonlocal drawn
        view = output.get("data", {}).pop(WIDGET_VIEW, None)
        static = None if view is None else widget_html(view.get("model_id", ""), saved)
        if static == "":
            return None
        if static is not None:
            output["data"]["text/html"] = static
            drawn += 1
        return output

    _each_output(notebook, freeze)
    return drawn
