"""Exporting a model to ONNX once, kept in a cache: the steps the int8 embedder and the ONNX
reader share (the cache key, BERT operator fusion, int8 quantisation of the weights)."""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path


def cached_export(cache_dir: Path, sources: list[Path], name: str, runtime_version: str,
                  export: Callable[[Path], None]) -> Path:
    """The model file `name` exported from `sources`, made by `export(target)` on first use and
    kept in `cache_dir` under a key of the sources' paths, sizes and modification times (hashing
    their contents would cost every start a moment) and the ONNX Runtime version."""
    stamp = []
    for path in sources:
        stat = path.resolve().stat()
        stamp.append(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:16]
    target = Path(cache_dir) / f"{digest}-ort{runtime_version}" / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        export(target)
    return target


# The embeddings are a lookup: in int8 they save memory (about 35 MB), no time, and cost
# some fidelity.
FLOAT32_OPERATORS = ("EmbedLayerNormalization",)


def onnx_nodes(path: Path) -> list:
    """The nodes of an ONNX model's graph (weights not loaded)."""
    import onnx

    return list(onnx.load(str(path), load_external_data=False).graph.node)


def quantize_int8(source: Path, target: Path, nodes: Sequence, kept: Sequence[str] = ()) -> None:
    """`source`'s weights in int8, one scale per output channel, activations quantised per run
    as they come; `kept` nodes and FLOAT32_OPERATORS among `nodes` (source's) stay float32.
    Atomic."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    excluded = list(kept) + [node.name for node in nodes if node.op_type in FLOAT32_OPERATORS]
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, root_logging_untouched():
        quantized = Path(tmp) / target.name
        # fused operators are outside ONNX's type inference; their outputs are float32
        quantize_dynamic(str(source), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=excluded, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(quantized, target)


def fuse_bert_operators(source: Path, target: Path, heads: int, hidden: int) -> None:
    """ONNX Runtime's BERT fusions (embeddings with their layer norm, attention, bias with GELU,
    residual with layer norm), each one operator with a kernel of its own: the same outputs,
    about 1.2x as fast in float32, and in int8 attention runs as one quantised operator. A
    graph the fusions do not recognise is written as it is."""
    from onnxruntime.transformers.optimizer import optimize_model

    with root_logging_untouched():
        optimize_model(str(source), model_type="bert", num_heads=heads,
                       hidden_size=hidden).save_model_to_file(str(target))


@contextlib.contextmanager
def root_logging_untouched():
    """The quantiser warns through the root logger ("consider pre-processing"), and that call
    would install a root handler for good, after which every library's debug lines print.
    Silence it and leave the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    root.addHandler(logging.NullHandler())
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
