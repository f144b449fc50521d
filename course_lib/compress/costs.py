"""What a variant costs per image, counted rather than timed: multiply-adds and weight bytes.

A timing says *that* a variant is faster or slower; counts say what changed. Quantization keeps
every multiply-add and stores fewer bytes per weight; zeroing single weights (unstructured
pruning) keeps every layer's shape, so a dense kernel still does every multiply-add, zeros
included; only fewer channels (structured pruning, a narrower student) remove operations.
LiteRT flatbuffers are counted from the graph the interpreter runs (the ops and the dtypes of the
tensors they read), Keras models from their Conv2D and Dense layers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from course_lib.compress.keras_models import is_keras_model
from course_lib.compress.litert import LiteRTModel, check_tflite, is_tflite

if TYPE_CHECKING:
    import pandas as pd

WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


@dataclass(frozen=True)
class LayerCost:
    """One layer with weights (a convolution or a dense layer), per image."""

    layer: str
    macs: int              # multiply-adds per image, every stored weight included
    nonzero_macs: int      # those whose weight is not 0: what a sparse kernel would still do
    weight_bytes: int      # kernel + its per-channel scales + bias, as stored
    read_bytes: int        # the same, in the dtypes the op is given (float16 is widened)
    stored: str            # the kernel's dtype in the file
    weights_read_as: str   # the dtype of the kernel the op is given
    input_read_as: str     # the dtype of the activations the op is given


def _macs(output_elements: int, kernel: np.ndarray, channels: int) -> tuple[int, int]:
    """Every output element needs one multiply-add per weight of its channel's filter."""
    positions = output_elements // channels   # output pixels (1 for a dense layer)
    return positions * kernel.size, positions * int(np.count_nonzero(kernel))


def keras_costs(model: Any) -> list[LayerCost]:
    """The Conv2D and Dense layers of a Keras model (also one quantized by Keras)."""
    import keras

    costs = []
    for layer in _leaf_layers(model):
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            continue
        kernel = np.asarray(layer.kernel.numpy())
        channels = kernel.shape[-1]
        macs, nonzero = _macs(int(np.prod(layer.output.shape[1:])), kernel, channels)
        extras = [w for w in layer.weights if w.path.rsplit("/", 1)[-1] in ("bias", "kernel_scale")]
        nbytes = kernel.nbytes + sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize
                                     for w in extras)
        # an int8 Keras layer quantizes its float input on every call (Dense._int8_call)
        costs.append(LayerCost(layer.name, macs, nonzero, nbytes, nbytes, str(kernel.dtype),
                               str(kernel.dtype), str(kernel.dtype)))
    return costs


def _leaf_layers(model: Any) -> list[Any]:
    """The layers of ``model``, those of nested models (the distilled student) included."""
    import keras

    return [leaf for layer in model.layers
            for leaf in (_leaf_layers(layer) if isinstance(layer, keras.Model) else [layer])]


def litert_costs(content: bytes) -> list[LayerCost]:
    """The convolutions and fully connected ops of a LiteRT flatbuffer, as its interpreter
    holds them: a kernel widened by a DEQUANTIZE op is *stored* in one dtype, *read* in another."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=check_tflite(content))
    interpreter.allocate_tensors()
    tensors = {d["index"]: d for d in interpreter.get_tensor_details()}
    ops = interpreter._get_ops_details()  # the public API has no op list; this is LiteRT's own
    widened = {op["outputs"][0]: op["inputs"][0] for op in ops if op["op_name"] == "DEQUANTIZE"}
    costs = []
    for op in ops:
        if op["op_name"] not in WEIGHTED_OPS:
            continue
        x, w, *rest = op["inputs"]
        out = tensors[op["outputs"][0]]
        source = tensors[widened.get(w, w)]
        kernel = interpreter.get_tensor(source["index"])
        channels = kernel.shape[3] if op["op_name"] == "DEPTHWISE_CONV_2D" else kernel.shape[0]
        per_image = int(np.prod(out["shape"])) // int(out["shape"][0])
        macs, nonzero = _macs(per_image, kernel, channels)
        scales = 4 * len(source["quantization_parameters"]["scales"]) \
            if kernel.dtype == np.int8 else 0
        bias = rest[0] if rest and rest[0] >= 0 else None
        stored = [tensors[widened.get(i, i)] for i in (w, bias) if i is not None]
        read = [tensors[i] for i in (w, bias) if i is not None]
        costs.append(LayerCost(f"{op['op_name'].lower()} {op['index']}", macs, nonzero,
                               _nbytes(stored) + scales, _nbytes(read) + scales,
                               str(kernel.dtype), np.dtype(tensors[w]["dtype"]).name,
                               np.dtype(tensors[x]["dtype"]).name))
    return costs


def _nbytes(details: list[Mapping[str, Any]]) -> int:
    return sum(int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize for d in details)


def variant_costs(model: Any) -> list[LayerCost]:
    """The per-layer costs of any variant: a Keras model, or a LiteRT flatbuffer (or model)."""
    if isinstance(model, LiteRTModel):
        return litert_costs(model.content)
    if is_tflite(model):
        return litert_costs(bytes(model))
    if is_keras_model(model):
        return keras_costs(model)
    raise TypeError(f"model: expected a Keras model or the bytes of a .tflite flatbuffer, "
                    f"got {type(model).__name__}")


def layers_frame(costs: list[LayerCost]) -> pd.DataFrame:
    """One row per layer, with each layer's share of the multiply-adds and of the weight bytes."""
    import pandas as pd

    frame = pd.DataFrame([asdict(cost) for cost in costs])
    frame["share_of_macs"] = frame["macs"] / frame["macs"].sum()
    frame["share_of_bytes"] = frame["weight_bytes"] / frame["weight_bytes"].sum()
    return frame


def _kinds(values: Any) -> str:
    return " + ".join(sorted(set(values)))


def costs_frame(variants: Mapping[str, Any]) -> pd.DataFrame:
    """One row per variant: multiply-adds per image (all, and on non-zero weights), the bytes of
    weights a batch-1 call reads, and the dtypes its layers are given."""
    import pandas as pd

    rows = []
    for name, model in variants.items():
        costs = variant_costs(model)
        rows.append({"name": name, "macs": sum(c.macs for c in costs),
                     "nonzero_macs": sum(c.nonzero_macs for c in costs),
                     "weight_bytes": sum(c.weight_bytes for c in costs),
                     "read_bytes": sum(c.read_bytes for c in costs),
                     "stored": _kinds(c.stored for c in costs),
                     "weights_read_as": _kinds(c.weights_read_as for c in costs),
                     "input_read_as": _kinds(c.input_read_as for c in costs)})
    return pd.DataFrame(rows)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """``costs_frame`` with units in the headers, for reading."""
    import pandas as pd

    return pd.DataFrame({
        "variant": frame["name"],
        "MACs per image (M)": (frame["macs"] / 1e6).map("{:.3f}".format),
        "on non-zero weights (M)": (frame["nonzero_macs"] / 1e6).map("{:.3f}".format),
        "weight bytes stored (MB)": (frame["weight_bytes"] / 1e6).map("{:.3f}".format),
        "weight bytes read (MB)": (frame["read_bytes"] / 1e6).map("{:.3f}".format),
        "weights read as": frame["weights_read_as"],
        "inputs read as": frame["input_read_as"]})
