"""course_lib: the tested helpers behind the Faster Image Generation notebooks.

Modules, one concern each:
    config   -- quick mode, project paths, seeds
    data     -- MNIST from data/, checksum-verified, never downloaded
    files    -- atomic writes and verified reads for files the course makes
    measure  -- side-by-side speed comparisons (warm-up, interleaved rounds, medians)
    machine  -- what this machine is, and its measured compute and bandwidth limits
"""

__version__ = "0.1.0"
