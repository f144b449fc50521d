"""Notebook 04: making the MNIST CNN smaller and faster, with the accuracy it costs beside it.

    evaluate       one evaluation of any variant: size (raw, gzipped), accuracy, latency
    quantization   int8 by hand, the TF converter to LiteRT, Keras int8
    pruning        magnitude pruning for Keras 3, masks kept through training
    distillation   a small student learning from the CNN
    report         notebook 04's variants, targets and the evidence behind each result
    plots          the size/accuracy/latency charts and the Pareto front

May use ``mnist`` (the data and the CNN it compresses) and the floors below it.
"""
