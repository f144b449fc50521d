"""Notebook 05: generating digits like an LLM, and beyond token by token.

    image_tokens   4x4 patches to k-means codebook tokens and back
    common         what every generator shares: the checked Request, one loop, compiled cache
    tiny_gpt       the class-conditional tiny GPT: one attention, a fixed-shape KV cache
    samplers       the sampler ladder, from predict() per token to one XLA while_loop
    maskgit        MaskGIT parallel decoding: a few passes of a bidirectional model
    one_shot       a conditional VAE: one decoder pass per digit
    quality        classifier agreement, confidence and diversity of generated digits
    tradeoff       every generator timed and judged alike; the speed/quality chart
    cards          the model cards the training scripts write
    smoothing      what label smoothing's target does to sampling at temperature 1
    diagrams       notebook 05's pictures from real tensors: mask, KV cache, schedule, roofline

May use ``mnist`` (class count, the CNN judge) and the floors below it.
"""
