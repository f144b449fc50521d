"""Reference solutions for notebook 07's exercises (shown only on request)."""

from course_lib.checks import check_choice, check_int, check_number


def ddim_step(x, eps, abar, abar_next):
    abar = check_number("abar", abar, positive=True, below=1.0)
    abar_next = check_number("abar_next", abar_next, positive=True, maximum=1.0)
    if tuple(x.shape) != tuple(eps.shape):
        raise ValueError(f"eps: expected x's shape {tuple(x.shape)}, got {tuple(eps.shape)}")
    # The clean image the noise prediction implies: undo x = sqrt(abar) x0 + sqrt(1 - abar) eps.
    x0 = (x - (1 - abar) ** 0.5 * eps) / abar ** 0.5
    # Noise it again to the next, lower level with the SAME eps: no fresh noise (eta = 0).
    return abar_next ** 0.5 * x0 + (1 - abar_next) ** 0.5 * eps


def guided_prediction(cond, uncond, scale):
    scale = check_number("scale", scale)
    if tuple(cond.shape) != tuple(uncond.shape):
        raise ValueError(f"uncond: expected cond's shape {tuple(cond.shape)}, "
                         f"got {tuple(uncond.shape)}")
    # Start from the unconditional prediction and go `scale` times the way the class points:
    # scale 1 gives cond, scale 0 gives uncond, scale > 1 goes beyond cond.
    return uncond + scale * (cond - uncond)


def passes(method, steps, guidance=1.0):
    method = check_choice("method", method, ("ddpm", "ddim", "euler"))
    steps = check_int("steps", steps, minimum=1, maximum=1000)
    guidance = check_number("guidance", guidance)
    if method == "ddpm" and steps != 1000:
        raise ValueError(f"steps: the ancestral sampler runs all 1000, got {steps}")
    if method == "euler" and guidance != 1.0:
        raise ValueError(f"guidance: the student takes no guidance of its own (1.0), "
                         f"got {guidance}")
    # One denoiser pass per step; guidance runs it with and without the class: two.
    return steps * (2 if guidance != 1.0 else 1)
