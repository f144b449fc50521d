"""The noise schedule: how much of the clean digit is left after ``t`` of ``T`` noising steps.

Forward process (Ho et al. 2020, "Denoising Diffusion Probabilistic Models"): step ``t`` keeps
``sqrt(1 - beta_t)`` of the image and adds Gaussian noise of variance ``beta_t``. Composed, the
noisy image at step ``t`` is ``sqrt(abar_t) * x0 + sqrt(1 - abar_t) * eps`` with
``abar_t = prod(1 - beta_s, s <= t)``, so training can jump straight to any ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.checks import check_int

STEPS = 1000  # T: the full schedule's length, as in the DDPM paper


@dataclass(frozen=True)
class Schedule:
    """``betas`` (T,), ``alpha_bars`` (T,) float64, for timesteps 0..T-1 (0 = least noise)."""

    betas: np.ndarray
    alpha_bars: np.ndarray

    @property
    def steps(self) -> int:
        return len(self.betas)


def linear_schedule(steps: int = STEPS, beta_start: float = 1e-4, beta_end: float = 0.02
                    ) -> Schedule:
    """The DDPM paper's linear betas from 1e-4 to 0.02 over ``steps`` (after 1,000 of them
    about 0.00004 of the digit's signal is left: ``sqrt(abar_T)`` = 0.0064)."""
    check_int("steps", steps, minimum=2)
    betas = np.linspace(beta_start, beta_end, steps, dtype=np.float64)
    return Schedule(betas, np.cumprod(1.0 - betas))


def ddim_timesteps(steps: int, total: int = STEPS) -> np.ndarray:
    """The ``steps`` timesteps a DDIM sampler visits, descending and evenly spaced, the first
    at T-1 (pure noise) so even one step starts from where sampling starts: the "trailing"
    spacing of Lin et al. 2024 ("Common Diffusion Noise Schedules and Sample Steps Are Flawed").
    The step after the last one lands on the clean image. ``steps == total`` visits every one."""
    check_int("steps", steps, minimum=1, maximum=total)
    return (np.round(total - np.arange(steps) * total / steps) - 1).astype(np.int32)
