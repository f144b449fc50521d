"""Notebook 04: making the MNIST CNN smaller and faster, with the accuracy it costs beside it.

    keras_models   what every technique does to a Keras model: check, copy, count, save
    int8           int8 by hand: symmetric per channel (the converter's weights), affine
    litert         LiteRT flatbuffers: recognise, run like a Keras model, read stored int8
    quantization   the TF converter to LiteRT (float32, dynamic, float16, full int8), Keras int8
    pruning        magnitude pruning for Keras 3, masks kept through training
    distillation   a small student learning from the CNN
    evaluate       one evaluation of any variant: size (raw, gzipped), accuracy, latency
    costs          counted per image: multiply-adds and weight bytes, from Keras or LiteRT
    report         notebook 04's variants, targets and readable tables
    claims         the usual claims: measured speed-ups beside the counts that bear on them
    plots          the size/accuracy/latency charts and the Pareto front

May use ``mnist`` (the data and the CNN it compresses) and the floors below it.
"""
