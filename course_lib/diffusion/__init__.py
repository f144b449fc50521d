"""Notebook 07: diffusion — noise in, digit out, one full denoiser pass per step.

    schedule    the DDPM noise schedule (1,000 linear betas) and DDIM's evenly spaced timesteps
    denoiser    the class-conditional U-Net that predicts the velocity v; FLOPs per pass; shipping
    training    the velocity-prediction loss, one compiled training step, weight averaging
    samplers    one update for DDPM, DDIM and the student's Euler steps; classifier-free
                guidance; an eager reference loop and the same loop compiled as one XLA
                while_loop
    reflow      step distillation by reflow: the teacher's (noise, digit) pairs, the student's
                straight-line velocity loss
    ladder      the step ladder as generators for the course's speed/quality table

Sits beside ``decoding`` (neither imports the other), above ``generate`` (the judge, the
trade-off table and the compile cache it reuses) and below ``interview`` and ``exercises``.
"""
