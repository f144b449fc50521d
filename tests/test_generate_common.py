"""What every generator shares: checked requests, the one loop, the compiled-function cache."""

import gc
import weakref

import numpy as np
import pytest
import tensorflow as tf

from course_lib.generate import common


def zeros(batch, seed):
    return tf.zeros([batch, 3])


def test_request_checks_and_converts_the_shared_arguments():
    request = common.request([1, 2, 3], batch=None, temperature=0.5, seed=4, noise=zeros)
    assert request.batch == 3 and request.classes.dtype == tf.int32
    assert request.classes.numpy().tolist() == [1, 2, 3]
    assert float(request.temperature) == 0.5 and request.noise.shape == (3, 3)
    assert request.prompt is None and request.top_k is None
    repeated = common.request(7, batch=4, temperature=1.0, seed=0, noise=zeros, top_k=2)
    assert repeated.classes.numpy().tolist() == [7] * 4 and repeated.top_k == 2


@pytest.mark.parametrize("kwargs, error, argument", [
    (dict(classes=[1.5]), TypeError, "classes: expected integer"),
    (dict(classes=["3"]), TypeError, "classes"),
    (dict(classes=[[1, 2]]), ValueError, "classes: expected a digit class or a batch"),
    (dict(classes=[]), ValueError, "classes"),
    (dict(classes=[0, 10]), ValueError, "classes: unknown digit class 10"),
    (dict(classes=3, batch=0), ValueError, "batch"),
    (dict(classes=3, batch=2.0), TypeError, "batch"),
    (dict(classes=[3, 4], batch=2), ValueError, "batch: only with a single class"),
    (dict(temperature=0.0), ValueError, "temperature"),
    (dict(temperature="1"), TypeError, "temperature"),
    (dict(seed=2**31), ValueError, "seed"),
    (dict(seed=None), TypeError, "seed"),
])
def test_bad_arguments_are_named(kwargs, error, argument):
    arguments = {"classes": [1], "batch": None, "temperature": 1.0, "seed": 0, **kwargs}
    with pytest.raises(error, match=argument):
        common.request(noise=zeros, **arguments)


def test_uniform_noise_depends_on_seed_and_stream_only():
    a = common.uniform_noise((4, 5), 3, stream=0).numpy()
    np.testing.assert_array_equal(a, common.uniform_noise((4, 5), 3, stream=0).numpy())
    assert not np.array_equal(a, common.uniform_noise((4, 5), 3, stream=1).numpy())
    assert not np.array_equal(a, common.uniform_noise((4, 5), 4, stream=0).numpy())
    assert a.min() >= 1e-7 and a.max() < 1.0


def test_while_loop_runs_the_step_like_a_python_loop():
    def step(i, state):
        total, seen = state
        return total + i, tf.tensor_scatter_nd_update(seen, [[i]], [i * i])

    state = (tf.constant(0), tf.zeros(5, tf.int32))
    expected = state
    for i in range(5):
        expected = step(i, expected)
    looped = tf.function(lambda s: common.while_loop(step, s, 5))(state)
    assert int(looped[0]) == int(expected[0]) == 10
    np.testing.assert_array_equal(looped[1], expected[1])


class Doubler:
    """Stands in for a model: anything a weak reference can point to."""

    def __call__(self, x):
        return 2 * x


def test_compiled_keeps_one_function_per_model_and_name_and_counts_traces():
    model, other = Doubler(), Doubler()
    double = common.compiled(model, "test_double", lambda m, x: m(x))
    assert common.compiled(model, "test_double", lambda m, x: m(x)) is double
    assert common.compiled(other, "test_double", lambda m, x: m(x)) is not double
    before = common.TRACES["test_double"]
    for value in (1.0, 2.0, 3.0):
        assert float(double(tf.constant(value))) == 2 * value
    assert common.TRACES["test_double"] - before == 1  # same shape: traced once
    double(tf.constant([1.0, 2.0]))
    assert common.TRACES["test_double"] - before == 2  # a new shape traces again


def test_compiled_does_not_keep_the_model_alive():
    model = Doubler()
    common.compiled(model, "test_alive", lambda m, x: m(x))(tf.constant(1.0))
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None
