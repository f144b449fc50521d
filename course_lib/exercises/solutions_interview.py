"""Reference solutions for notebook 01's exercises (shown only on request)."""


def decoding_floor(parameters: float, bits_per_weight: float, read_gbs: float,
                   tokens: int) -> tuple[float, float]:
    # Each decoding step reads every weight once: bytes = parameters x bits / 8.
    weight_bytes = parameters * bits_per_weight / 8
    per_token = weight_bytes / (read_gbs * 1e9)  # GB/s: 10^9 bytes per second
    return per_token, per_token * tokens  # one read of the weights per token


def image_estimates(read_gbs: float) -> dict[str, float]:
    # A 384x384 image in 16x16 patches is 24 x 24 = 576 tokens; a 7B model, batch 1.
    tokens = (384 // 16) ** 2
    return {"this machine, bf16": decoding_floor(7e9, 16, read_gbs, tokens)[1],
            "H100, bf16": decoding_floor(7e9, 16, 3_350, tokens)[1],
            "H100, 4-bit": decoding_floor(7e9, 4, 3_350, tokens)[1]}
