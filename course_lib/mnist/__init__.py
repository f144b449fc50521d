"""Notebook 03: MNIST, offline, and Keras models trained on it fast.

    data          the shipped data/mnist.npz, checksum-verified, never downloaded; NUM_CLASSES
    splits        validated train/validation/test splits and a switchable tf.data pipeline
    models        the seed MLP, the wide MLP (dropout optional), the CNN, and their recipes
    training      train a recipe, timing every epoch
    step_timing   one training step or one random draw as a callable, for side measurements
    ladder        time-to-accuracy comparisons of training recipes
    evaluation    accuracy, confusion matrix, confident mistakes
    model_store   trained models saved atomically, verified on load (the shipped CNN judge)
    distribute    data parallelism with tf.distribute
"""
