"""The GPT's one-token step as a LiteRT flatbuffer, float32 or weight-only int8, and its sampler.

At batch 1 a decode step reads every weight once and does two FLOPs per weight, so its time is
the bytes it moves. Weight-only int8 moves a quarter of them: the LiteRT converter's dynamic
range quantization (``optimizations = [Optimize.DEFAULT]``, no representative data) stores each
FullyConnected kernel as int8 with one scale per output channel and quantizes the activations
on the fly. ``compress.quantization.to_tflite`` cannot do this for us: it converts a Keras
model's ``call`` (the whole sequence), while decoding needs ``model.step`` with its caches as
inputs and outputs, for one fixed batch. ``convert_step`` converts exactly that.

``sample_litert`` is the generating loop over the flatbuffer (Python calls ``invoke`` once per
token) and draws every token with the same Gumbel noise as ``samplers.prepare`` and the same
rule as ``samplers.choose``: the float32 flatbuffer draws the tokens ``sample_cached_xla`` draws.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import tensorflow as tf

from course_lib.checks import check_choice, check_int
from course_lib.compress.litert import StoredTensor, check_tflite
from course_lib.compress.quantization import quietly
from course_lib.generate import common, quality, samplers
from course_lib.generate.image_tokens import Tokenizer
from course_lib.generate.tiny_gpt import DigitGPT, GPTConfig, LayerCache, check_model, class_token
from course_lib.measure import compare
from course_lib.measure.comparison import Comparison
from course_lib.measure.machine import usable_cores
from course_lib.mnist.data import NUM_CLASSES

KINDS = ("float32", "int8")
CACHE_MODES = ("view", "copy")  # how sample_litert carries the caches from outputs to inputs


def cache_names(depth: int) -> list[str]:
    """The step's cache inputs and outputs, by name: keys0, values0, keys1, ..."""
    return [f"{kind}{block}" for block in range(depth) for kind in ("keys", "values")]


def convert_step(model: DigitGPT, batch: int, kind: str = "int8") -> bytes:
    """``model.step`` for a fixed ``batch`` as a LiteRT flatbuffer: inputs ``token`` (batch,),
    ``position`` () and the caches (``cache_names``); outputs ``logits`` (batch, codes) and the
    updated caches. ``kind="int8"``: dynamic-range quantization (int8 weights, per channel)."""
    spec = check_model(model, causal=True).spec
    batch = check_int("batch", batch, minimum=1)
    check_choice("kind", kind, KINDS)
    shape = [batch, spec.heads, spec.length, spec.width // spec.heads]
    names = cache_names(spec.depth)
    signature = [tf.TensorSpec([batch], tf.int32, name="token"),
                 tf.TensorSpec([], tf.int32, name="position")] + \
        [tf.TensorSpec(shape, tf.float32, name=name) for name in names]

    @tf.function(input_signature=signature)
    def step(token: tf.Tensor, position: tf.Tensor, *flat: tf.Tensor) -> dict:
        cache = tuple(LayerCache(*flat[i:i + 2]) for i in range(0, len(flat), 2))
        logits, cache = model.step(token, position, cache)
        return {"logits": logits, **dict(zip(names, [t for layer in cache for t in layer]))}

    # Keras 3 variables are not tracked by the model as TensorFlow sees it: a Module holding
    # them lets the converter freeze them into constants (else it keeps unset resource variables)
    holder = tf.Module()
    holder.weights = [variable.value for variable in model.weights]
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [step.get_concrete_function()], holder)
    if kind == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    with quietly():
        return bytes(converter.convert())


class LiteRTStep:
    """A converted step and one interpreter for it, with ``num_threads`` (default: the cores
    this process may use). ``spec`` and ``batch`` say what it was converted from."""

    def __init__(self, content: bytes, spec: GPTConfig, batch: int, kind: str,
                 num_threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.content, self.spec, self.kind = check_tflite(content), spec, kind
        self.batch = check_int("batch", batch, minimum=1)
        self.num_threads = usable_cores() if num_threads is None \
            else check_int("num_threads", num_threads, minimum=1)
        self.interpreter = Interpreter(model_content=self.content, num_threads=self.num_threads)
        self.interpreter.allocate_tensors()
        runner = self.interpreter.get_signature_runner()
        self.inputs = {name: d["index"] for name, d in runner.get_input_details().items()}
        self.outputs = {name: d["index"] for name, d in runner.get_output_details().items()}

    @classmethod
    def convert(cls, model: DigitGPT, batch: int, kind: str = "int8",
                num_threads: int | None = None) -> "LiteRTStep":
        """``convert_step(model, batch, kind)``, ready to run."""
        return cls(convert_step(model, batch, kind), model.spec, batch, kind, num_threads)

    @property
    def nbytes(self) -> int:
        return len(self.content)

    def reset(self) -> None:
        """Zero caches, as ``DigitGPT.empty_cache`` gives."""
        for name in cache_names(self.spec.depth):
            index = self.inputs[name]
            self.interpreter.set_tensor(index, np.zeros_like(self.interpreter.get_tensor(index)))

    def invoke(self, token: np.ndarray, position: int) -> np.ndarray:
        """Run one step on the caches the interpreter holds now; the logits (batch, codes)."""
        set_tensor = self.interpreter.set_tensor
        set_tensor(self.inputs["token"], np.asarray(token, np.int32))
        set_tensor(self.inputs["position"], np.asarray(position, np.int32))
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.outputs["logits"])

    def carry(self, mode: str = "view") -> None:
        """Updated caches (outputs) become the next step's inputs. ``view``: one copy, output
        buffer into input buffer; ``copy``: ``get_tensor`` then ``set_tensor``, two copies."""
        tensor, interpreter = self.interpreter.tensor, self.interpreter
        for name in cache_names(self.spec.depth):
            source, target = self.outputs[name], self.inputs[name]
            if mode == "view":  # the views are dropped at once: invoke refuses while one lives
                np.copyto(tensor(target)(), tensor(source)())
            else:
                interpreter.set_tensor(target, interpreter.get_tensor(source))

    def __call__(self, token: Any, position: int, cache) -> tuple[np.ndarray, tuple]:
        """Like ``DigitGPT.step``: (logits, updated cache), as NumPy arrays."""
        for name, value in zip(cache_names(self.spec.depth), [t for layer in cache for t in layer]):
            self.interpreter.set_tensor(self.inputs[name], np.asarray(value, np.float32))
        logits = self.invoke(token, position).copy()
        flat = [self.interpreter.get_tensor(self.outputs[n]) for n in cache_names(self.spec.depth)]
        return logits, tuple(LayerCache(*flat[i:i + 2]) for i in range(0, len(flat), 2))


def int8_tensors(content: bytes) -> list[StoredTensor]:
    """Every int8 tensor the converter stored with its scales (FullyConnected kernels are
    (output, input) with one scale per output channel, axis 0)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=check_tflite(content))
    interpreter.allocate_tensors()
    return [StoredTensor(d["name"], interpreter.get_tensor(d["index"]),
                         d["quantization_parameters"]["scales"],
                         d["quantization_parameters"]["zero_points"],
                         d["quantization_parameters"]["quantized_dimension"])
            for d in interpreter.get_tensor_details()
            if d["dtype"] == np.int8 and len(d["quantization_parameters"]["scales"])]


def is_per_channel(tensor: StoredTensor) -> bool:
    """One scale per channel along the quantized axis (more than one channel)."""
    return tensor.values.ndim == 2 and len(tensor.scales) == tensor.values.shape[tensor.axis] > 1


def weight_table(content: bytes):
    """One row per int8 tensor of a flatbuffer: name, shape, how many scales, along which axis,
    and whether that is one per channel (the evidence that the kernels are per-channel int8)."""
    import pandas as pd

    return pd.DataFrame([{"tensor": t.name, "shape": tuple(t.values.shape), "scales": len(t.scales),
                          "axis": t.axis, "per channel": is_per_channel(t)}
                         for t in int8_tensors(content)])


def gumbel_choice(logits: np.ndarray, noise: np.ndarray, temperature: float,
                  top_k: int | None) -> np.ndarray:
    """``samplers.gumbel_top_k`` in NumPy, the same float32 operations in the same order."""
    scaled = np.asarray(logits, np.float32) / np.float32(temperature)
    if top_k is not None:
        kth = np.sort(scaled, axis=-1)[:, -top_k][:, None]
        scaled = np.where(scaled < kth, np.float32(-np.inf), scaled)
    return np.argmax(scaled + noise, axis=-1).astype(np.int32)


def sample_litert(step: LiteRTStep, classes: int | Sequence[int] | np.ndarray, *,
                  temperature: float = 1.0, top_k: int | None = None, seed: int = 0,
                  caches: str = "view") -> np.ndarray:
    """Image tokens (batch, length) from the LiteRT step, one ``invoke`` per token; the noise
    of ``samplers.prepare`` for the same seed, so float32 draws ``sample_cached_xla``'s tokens.
    ``caches``: how outputs become inputs (``LiteRTStep.carry``). No prompts."""
    if not isinstance(step, LiteRTStep):
        raise TypeError(f"step: expected a LiteRTStep (LiteRTStep.convert(model, batch)), got "
                        f"{type(step).__name__}")
    spec = step.spec
    check_choice("caches", caches, CACHE_MODES)
    if top_k is not None:
        top_k = check_int("top_k", top_k, minimum=1, maximum=spec.codes)
    request = common.request(classes, batch=None, temperature=temperature, seed=seed,
                             noise=lambda n, seed: samplers.gumbel_noise(
                                 (spec.length, n, spec.codes), seed))
    if request.batch != step.batch:
        raise ValueError(f"classes: this step was converted for batch {step.batch}, got "
                         f"{request.batch} classes")
    noise, temperature = request.noise.numpy(), float(request.temperature)
    tokens = np.zeros((step.batch, spec.length), np.int32)
    token = class_token(spec, request.classes.numpy()).astype(np.int32)
    step.reset()
    for position in range(spec.length):
        logits = step.invoke(token, position)
        token = tokens[:, position] = gumbel_choice(logits, noise[position], temperature, top_k)
        step.carry(caches)
    return tokens


def step_candidates(model: DigitGPT, batch: int = 1, seed: int = 0,
                    num_threads: int | None = None) -> dict[str, Callable[[], np.ndarray]]:
    """Zero-argument samplers for ``measure.compare``, all drawing ``batch`` images of mixed
    classes with ``seed``: the cached XLA loop (float32) and the LiteRT step, float32 and int8
    (converting takes a while: a big model's flatbuffers are built here, once)."""
    classes = np.arange(check_int("batch", batch, minimum=1)) % NUM_CLASSES
    steps = {kind: LiteRTStep.convert(model, batch, kind, num_threads) for kind in KINDS}
    return {"cached_xla": functools.partial(samplers.sample_cached_xla, model, classes, seed=seed),
            **{f"litert_{kind}": functools.partial(sample_litert, step, classes, seed=seed)
               for kind, step in steps.items()},
            }


def compare_int8(model: DigitGPT, batch: int = 1, **options: Any) -> Comparison:
    """Time per token of the cached XLA loop vs the LiteRT step in float32 and int8 (baseline:
    LiteRT float32), one ``measure.compare``. ``options`` go to ``compare``."""
    candidates = step_candidates(model, batch)
    return compare(candidates, baseline="litert_float32", work=batch * model.spec.length,
                   unit="tokens", **{"title": f"decode step at batch {batch}", **options})


@dataclass(frozen=True)
class Int8Quality:
    """The shipped GPT's digits in float32 (the cached XLA loop) and from the int8 step, judged
    by the classifier, and the share of tokens the int8 step draws the same."""

    float32: quality.Quality
    int8: quality.Quality
    token_agreement: float
    float32_bytes: int
    int8_bytes: int

    @property
    def agreement_drop(self) -> float:
        """Points of classifier agreement int8 loses (negative: it gains)."""
        return 100 * (self.float32.agreement - self.int8.agreement)

    def __str__(self) -> str:
        return (f"classifier agreement float32 {self.float32.agreement:.1%}, int8 "
                f"{self.int8.agreement:.1%} ({self.agreement_drop:+.1f} points lost); "
                f"{self.token_agreement:.1%} of tokens the same; step flatbuffer "
                f"{self.float32_bytes / 1e6:.1f} MB -> {self.int8_bytes / 1e6:.1f} MB")


def int8_quality(model: DigitGPT, tokenizer: Tokenizer, classifier, per_class: int = 100, *,
                 temperature: float = 1.0, seed: int = 0, batch: int = 100) -> Int8Quality:
    """``per_class`` digits of every class drawn both ways with the same seeds, then scored."""
    per_class = check_int("per_class", per_class, minimum=1)
    # every batch the same size, so both ways draw each batch with the same noise
    batch = math.gcd(check_int("batch", batch, minimum=1), per_class * NUM_CLASSES)
    steps = {kind: convert_step(model, batch, kind) for kind in KINDS}
    int8_step = LiteRTStep(steps["int8"], model.spec, batch, "int8")
    labels = np.repeat(np.arange(NUM_CLASSES, dtype=np.int32), per_class)
    drawn = {name: [] for name in ("float32", "int8")}
    for start in range(0, len(labels), batch):
        classes, seed_ = labels[start:start + batch], seed + start
        drawn["float32"].append(samplers.sample_cached_xla(
            model, classes, temperature=temperature, seed=seed_))
        drawn["int8"].append(sample_litert(int8_step, classes, temperature=temperature,
                                           seed=seed_))
    tokens = {name: np.concatenate(parts) for name, parts in drawn.items()}
    scores = {name: quality.score(tokenizer.decode(t), labels, classifier,
                                  temperature=temperature) for name, t in tokens.items()}
    return Int8Quality(scores["float32"], scores["int8"],
                       float(np.mean(tokens["float32"] == tokens["int8"])),
                       len(steps["float32"]), len(steps["int8"]))

