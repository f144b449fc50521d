"""Notebook 06: decoding at scale: bytes per token, a quantized generator, speculative decoding.

    big_decoder    a decoder several times the last-level cache: time per token predicted from
                   bytes and FLOPs, then measured with the cached XLA loop at batch 1..256;
                   Keras's own int8 route timed beside float32
    int8_step      the GPT's one-token step as a LiteRT flatbuffer, float32 or weight-only int8;
                   timed beside the float32 loops; the shipped GPT's int8 digits judged
    kv_int8        an int8 KV cache: int8 keys/values with a scale per (row, head, slot), its
                   bytes per token, and the GPT's digits drawn with it
    drafts         cheap drafts for speculative decoding: a per-position bigram table, the
                   shipped 1-layer draft GPT
    verify         the target's cached pass over several new tokens at once, per-row positions
    speculative    draft k tokens, verify them in one target pass, accept or reject each (the
                   output is distributed exactly as the target's); one compiled loop
    equivalence    two-sample chi-square tests: are two samplers' tokens the same distribution?

Sits above ``generate`` and ``compress`` (it quantizes and speeds up the GPT of notebook 05) and
below ``interview`` and ``exercises``.
"""
