"""LiteRT flatbuffers (.tflite): recognise one, run it like a Keras model, read what it stores.

The converter in ``quantization`` writes them; ``evaluate`` measures them; the notebook opens one
to see the int8 codes and scales the converter chose for the dense kernel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from course_lib.checks import check_int
from course_lib.compress.int8 import QuantParams, dequantize, dequantize_per_channel, quantize

TFLITE_MAGIC = b"TFL3"  # bytes 4..8 of every LiteRT flatbuffer


def is_tflite(model: Any) -> bool:
    return isinstance(model, (bytes, bytearray)) and bytes(model[4:8]) == TFLITE_MAGIC


def check_tflite(content: Any, argument: str = "content") -> bytes:
    """``content`` as bytes if it is a LiteRT flatbuffer, else a TypeError naming ``argument``."""
    if not is_tflite(content):
        raise TypeError(f"{argument}: expected the bytes of a .tflite flatbuffer, "
                        f"got {type(content).__name__}")
    return bytes(content)


class LiteRTModel:
    """A .tflite flatbuffer run by the LiteRT interpreter, called like a Keras model.

    One interpreter per batch size (resizing the input re-plans the memory, so it is done once);
    int8 inputs and outputs are quantized and dequantized with the model's own parameters, so
    callers always pass float32 images in [0, 1] and get float32 class scores back.
    """

    def __init__(self, content: bytes, num_threads: int | None = None) -> None:
        self.content = check_tflite(content)
        self.num_threads = (os.cpu_count() or 1) if num_threads is None \
            else check_int("num_threads", num_threads, minimum=1)
        self._interpreters: dict[int, Any] = {}

    def _interpreter(self, batch: int) -> Any:
        if batch not in self._interpreters:
            from ai_edge_litert.interpreter import Interpreter

            interpreter = Interpreter(model_content=self.content, num_threads=self.num_threads)
            details = interpreter.get_input_details()[0]
            interpreter.resize_tensor_input(details["index"], [batch, *details["shape"][1:]])
            interpreter.allocate_tensors()
            self._interpreters[batch] = interpreter
        return self._interpreters[batch]

    def input_dtype(self) -> np.dtype:
        return np.dtype(self._interpreter(1).get_input_details()[0]["dtype"])

    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        interpreter = self._interpreter(len(images))
        given, wanted = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
        interpreter.set_tensor(given["index"], _to_tensor(images, given))
        interpreter.invoke()
        return _from_tensor(interpreter.get_tensor(wanted["index"]), wanted)


def _params(details: Mapping[str, Any]) -> QuantParams | None:
    """The tensor's int8 parameters, or None for a float tensor."""
    dtype = np.dtype(details["dtype"])
    if dtype.kind == "f":
        return None
    if dtype != np.int8:
        raise ValueError(f"content: expected float or int8 inputs and outputs, got {dtype}")
    scale, zero_point = details["quantization"]
    return QuantParams(float(scale), int(zero_point))


def _to_tensor(x: np.ndarray, details: Mapping[str, Any]) -> np.ndarray:
    params = _params(details)
    return x.astype(details["dtype"]) if params is None else quantize(x, params)


def _from_tensor(y: np.ndarray, details: Mapping[str, Any]) -> np.ndarray:
    params = _params(details)
    return y.astype(np.float32) if params is None else dequantize(y, params)


@dataclass(frozen=True)
class StoredTensor:
    """A quantized constant as the converter stored it: int8 values, one scale per channel."""

    name: str
    values: np.ndarray
    scales: np.ndarray
    zero_points: np.ndarray
    axis: int

    def dequantized(self) -> np.ndarray:
        return dequantize_per_channel(self.values, self.scales, self.axis, self.zero_points)


def largest_int8_tensor(content: bytes) -> StoredTensor:
    """The biggest int8 tensor in a quantized flatbuffer (for the CNN: the dense kernel)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=check_tflite(content))
    interpreter.allocate_tensors()
    found = [d for d in interpreter.get_tensor_details()
             if d["dtype"] == np.int8 and len(d["quantization_parameters"]["scales"])]
    if not found:
        raise ValueError("content: this model stores no int8 tensors (was it quantized?)")
    details = max(found, key=lambda d: int(np.prod(d["shape"])))
    params = details["quantization_parameters"]
    return StoredTensor(details["name"], interpreter.get_tensor(details["index"]),
                        params["scales"], params["zero_points"], params["quantized_dimension"])
