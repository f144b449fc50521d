"""Reference solutions for notebook 05's exercises (shown only on request)."""


def kv_cache_update(cache, position, new):
    import keras

    # cache: (batch, heads, time, head_width); new: (batch, heads, head_width)
    return keras.ops.slice_update(cache, [0, 0, position, 0], new[:, :, None, :])


def top_k_sample(logits, k, temperature, gumbel):
    import numpy as np

    scaled = np.asarray(logits, np.float32) / np.float32(temperature)
    kth = np.sort(scaled, axis=1)[:, -k][:, None]
    scaled = np.where(scaled < kth, -np.inf, scaled)
    return np.argmax(scaled + gumbel, axis=1)


def generation_flops(width, depth, codes, length, cached):
    def position(s):  # one position that attends to s + 1 keys
        return depth * (24 * width**2 + 4 * (s + 1) * width) + 2 * width * codes

    if cached:
        return sum(position(t) for t in range(length))
    return sum(position(s) for t in range(length) for s in range(t + 1))


def remask(confidence, masked, remaining):
    import numpy as np

    # decided tokens can never be chosen: give them infinite confidence
    confidence = np.where(masked, confidence, np.inf)
    order = np.argsort(confidence, axis=1, kind="stable")  # least confident first
    chosen = np.zeros(confidence.shape, bool)
    np.put_along_axis(chosen, order[:, :remaining], True, axis=1)
    return chosen
