"""course_lib: the tested helpers behind the Faster Image Generation notebooks.

Modules, one concern each:
    config           quick mode, project paths, seeds
    data             MNIST from data/, checksum-verified, never downloaded
    files            atomic writes and verified reads for files the course makes
    measure          side-by-side speed comparisons (warm-up, interleaved rounds, medians)
    machine          what this machine is, and its measured compute and bandwidth limits
    environment      notebook 00's environment check
    pixels           notebook 00's first comparison: one pixel operation three ways
    qa, quiz         notebook 01: the bilingual question bank, flash cards, the terminal quiz
    decode_demo      notebook 01: small live experiments behind the interview answers
                     (its decoder is notebook 05's Transformer, untrained)
    shapes           notebook 02: the seed's Pillow function, a correct drawer, synthetic data
    shape_ladder     notebook 02: the same circles drawn by every rung of the speed ladder
    mnist            notebook 03: validated MNIST splits and a switchable tf.data pipeline
    models           notebook 03: the seed MLP, a fast MLP, the CNN, and their recipes
    training         notebook 03: train a recipe, timing every epoch
    training_ladder  notebook 03: time-to-accuracy comparisons of training recipes
    evaluation       notebook 03: accuracy, confusion matrix, confident mistakes
    model_store      trained models saved atomically, verified on load, keyed by recipe
    quantization     notebook 04: int8 by hand, the TF converter to LiteRT, Keras int8
    pruning          notebook 04: magnitude pruning for Keras 3 with masks kept in training
    distillation     notebook 04: a small student learning from the CNN
    compression      notebook 04: one evaluation of any variant (size, accuracy, latency)
    compression_report, compression_plots   notebook 04's variants, targets and charts
    image_tokens     notebook 05: 4x4 patches to k-means codebook tokens and back
    tiny_gpt         notebook 05: the class-conditional tiny GPT with a fixed-shape KV cache
    samplers         notebook 05: the sampler ladder, from predict() per token to one XLA loop
    generation_quality  notebook 05: classifier agreement, confidence and diversity of samples
    maskgit          notebook 05: MaskGIT parallel decoding, a few passes of a bidirectional model
    one_shot         notebook 05: a conditional VAE, one decoder pass per digit
    tradeoff         notebook 05: every generator timed and judged alike; the speed/quality chart
    budgets          notebook 06: latency budgets, cost per 1,000 images
    results          the results store read by the capstone
    book             the rendered book (every notebook executed to HTML)
    distribute       data parallelism with tf.distribute
    exercises        checkers for every notebook's exercises, solutions hidden until asked
"""

__version__ = "0.1.0"
