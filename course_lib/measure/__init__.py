"""Measuring speed honestly: the clock, side-by-side comparisons, this machine's limits, latency
budgets and the results store.

Every subject of the course uses this floor; it uses only the ground floor (``checks``,
``config``, ``files``) and never imports TensorFlow (a TensorFlow result is recognised by its
``.numpy()``; TensorFlow's device and version are read only once the program has loaded it).

    timing    time one call, results materialised; ``fmt`` for numbers
    compare   ``compare``: warm-up, interleaved rounds, medians, speedups
    comparison  ``Comparison``: what ``compare`` measured, as a table or chart, saved and read
    machine   what this machine is, and its measured compute and bandwidth limits (all cores)
    roofline  the least time a kernel can take from its FLOPs and bytes; the roofline plot
    budgets   latency budgets (VR frame, game frame, ...) and cost per 1,000 images
    results   the saved comparisons notebook 08 reads back into one report; benchmarks' PASS/FAIL lines
"""

from course_lib.measure.compare import compare
from course_lib.measure.comparison import Comparison, Row
from course_lib.measure.timing import CandidateError, fmt, materialise, time_call

__all__ = ["CandidateError", "Comparison", "Row", "compare", "fmt", "materialise", "time_call"]
