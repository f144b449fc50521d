"""Reference solutions for notebook 01's exercises (shown only on request)."""


def tokens_per_image(height: int, width: int, patch: int) -> int:
    # Each token stands for one patch x patch square: count the squares down and across.
    return (height // patch) * (width // patch)
