"""Data parallelism with TensorFlow's own engine (``tf.distribute``).

On a machine with several GPUs, ``MirroredStrategy`` keeps one copy of the model per GPU, gives
each a slice of every batch and averages the gradients. Without GPUs the course splits the CPU
into logical devices to show the same code running; it demonstrates the mechanics, it does
not make a 2-core laptop faster. The same training code scales to several machines with
``tf.distribute.MultiWorkerMirroredStrategy`` and a ``TF_CONFIG`` environment variable on each.
"""

from __future__ import annotations

from course_lib.checks import check_int


def split_cpu(devices: int = 2) -> list[str]:
    """Split the CPU into ``devices`` logical devices; call before TensorFlow runs anything."""
    import tensorflow as tf

    check_int("devices", devices, minimum=1)
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
    except RuntimeError as error:
        existing = tf.config.list_logical_devices("CPU")
        if len(existing) < devices:
            raise RuntimeError(
                f"split_cpu: TensorFlow has already started with {len(existing)} CPU device(s), "
                f"so it cannot be split into {devices} now. Restart the kernel and call "
                "split_cpu() before anything else uses TensorFlow.") from error
    return [device.name for device in tf.config.list_logical_devices("CPU")][:devices]


def data_parallel_strategy(replicas: int = 2):
    """A ``MirroredStrategy`` over ``replicas`` GPUs if there are that many, else logical CPUs."""
    import tensorflow as tf

    check_int("replicas", replicas, minimum=1)
    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    pool = gpus if len(gpus) >= replicas else cpus
    if len(pool) < replicas:
        raise RuntimeError(f"replicas: {replicas} devices needed, found {len(gpus)} GPU(s) and "
                           f"{len(cpus)} logical CPU(s); call split_cpu({replicas}) first")
    return tf.distribute.MirroredStrategy([device.name for device in pool[:replicas]])


TF_CONFIG_EXAMPLE = """\
# On each of two machines (worker 0 and worker 1), before starting Python:
export TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
                   "task": {"type": "worker", "index": 0}}'   # index 1 on the second machine
# and in the training code, the only change:
strategy = tf.distribute.MultiWorkerMirroredStrategy()
"""
