"""One equivalence check inside the worker: build both models, copy weights, run, compare end to end and per layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from nnmigrate.verify.spec import InputSpec

TOLERANCE = 1e-4


def _device(choice: str) -> str:
    import torch

    if choice == "cuda" or choice == "auto" and torch.cuda.is_available():
        return "cuda" if torch.cuda.is_available() else "cpu"
    return "cpu"


def _leaves(value: Any) -> list[np.ndarray]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaves(v)]
    if value is None:
        return []
    if hasattr(value, "detach"):  # a copy: a later in-place op (ReLU(inplace=True)) must not change what was seen
        return [value.detach().cpu().numpy().copy()]
    return [np.asarray(value)]


def _align(target: np.ndarray, source_shape: tuple[int, ...], layout: str | None, to_last: bool) -> np.ndarray:
    """A target output in the source layout: moved outputs get their channel axis put back."""
    if tuple(target.shape) == tuple(source_shape) and layout != "moved":
        return target
    if target.ndim >= 3:
        back = np.moveaxis(target, -1, 1) if to_last else np.moveaxis(target, 1, -1)
        if tuple(back.shape) == tuple(source_shape):
            return back
    return target


def diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    if a.shape != b.shape:
        return float("inf"), float("inf")
    if a.size == 0:
        return 0.0, 0.0
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    if np.isnan(d).any():
        return float("nan"), float("nan")
    rel = d / np.maximum(np.abs(a.astype(np.float64)), 1e-6)
    return float(d.max()), float(rel.max())


def _randomize_norms(model: Any, seed: int) -> None:
    """Non-trivial norm statistics and affine params, so a wrong epsilon, momentum or axis shows up."""
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._NormBase) and m.running_mean is not None:
                if isinstance(m.running_mean, torch.nn.parameter.UninitializedBuffer):
                    continue
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
            if isinstance(m, (torch.nn.modules.batchnorm._NormBase, torch.nn.LayerNorm, torch.nn.GroupNorm)):
                if getattr(m, "weight", None) is not None and not isinstance(m.weight, torch.nn.parameter.UninitializedParameter):
                    m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1) if m.bias is not None else None


def _capture(layer: Any, store: list) -> Callable[[], None]:
    """Records `layer`'s outputs (torch module or Keras layer); returns the undo."""
    import torch

    if isinstance(layer, torch.nn.Module):
        handle = layer.register_forward_hook(lambda m, i, o: store.append(_leaves(o)[0] if _leaves(o) else None))
        return handle.remove
    original = layer.call

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        out = original(*args, **kwargs)
        store.append(_leaves(out)[0] if _leaves(out) else None)
        return out

    object.__setattr__(layer, "call", wrapped)
    return lambda: vars(layer).pop("call", None)  # a layer reached twice (shared) is unwrapped once


@contextmanager
def _recording_layers(keras: Any) -> Iterator[list]:
    """Records the layers a Keras builder calls at the top level, in the order of their first call: the order in
    which the migrated builder's `Functional.layer`s take their modules (a Functional model keeps its layers
    sorted by depth instead, so this is how they are paired with the migrated module's)."""
    order: list = []
    seen: set[int] = set()
    depth = [0]
    original = keras.layers.Layer.__call__

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        if depth[0] == 0 and id(self) not in seen:
            seen.add(id(self))
            order.append(self)
        depth[0] += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            depth[0] -= 1

    keras.layers.Layer.__call__ = recording
    try:
        yield order
    finally:
        keras.layers.Layer.__call__ = original


def _randomize_keras_norms(model: Any, seed: int) -> None:
    """Keras twin of `_randomize_norms`: non-trivial normalization statistics and affine weights."""
    import keras

    rng = np.random.default_rng(seed)
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, (keras.layers.BatchNormalization, keras.layers.LayerNormalization,
                              keras.layers.GroupNormalization)) and layer.weights:
            new = []
            for var in layer.weights:
                shape = tuple(var.shape)
                name = var.path.rsplit("/", 1)[-1]
                if name in ("moving_variance", "gamma"):
                    new.append(rng.random(shape).astype("float32") + 0.5)
                else:
                    new.append((rng.standard_normal(shape) * 0.1).astype("float32"))
            layer.set_weights(new)


@dataclass
class Side:
    """One model of a check: its module, the built model, its framework and the inputs it takes."""

    module: ModuleType
    model: Any
    framework: str  # "torch" | "keras"
    builder_layers: list = field(default_factory=list)  # a Keras builder's layers, in creation order
    inputs: list = field(default_factory=list)


def _build_side(path: str, alias: str, request: dict, framework: str, keras: Any) -> Side:
    from nnmigrate.verify.loading import build, import_file

    module = import_file(path, alias)
    with _recording_layers(keras) as builder_layers:
        model = build(module, request["symbol"], request.get("args") or {})
    return Side(module, model, framework, builder_layers)


def _moved_inputs(arrays: list[np.ndarray], contract: dict, to_last: bool) -> list[np.ndarray]:
    """The inputs the migrated model takes: those its contract marks `moved` get the channel axis moved."""
    layouts = _entry(contract).get("inputs", [])
    return [np.ascontiguousarray(np.moveaxis(a, 1, -1) if to_last else np.moveaxis(a, -1, 1))
            if i < len(layouts) and layouts[i] == "moved" and a.ndim >= 3 else a for i, a in enumerate(arrays)]


def _entry(contract: dict) -> dict:
    return next(iter(contract.get("entry_classes", {}).values()), {"inputs": [], "outputs": []})


def _run(side: Side, device: str) -> list[np.ndarray]:
    """Runs the model in inference mode; the first run also materializes Lazy modules and builds Keras weights."""
    import torch

    if side.framework == "torch":
        side.model.eval().to(device)
        with torch.no_grad():
            return [np.asarray(x) for x in _leaves(side.model(*[torch.from_numpy(a).to(device) for a in side.inputs]))]
    return [np.asarray(x) for x in _leaves(_call_keras(side.model, side.inputs))]


def _call_keras(model: Any, inputs: list[np.ndarray]) -> Any:
    """A Keras model in inference mode: a Functional model takes its several inputs as one list."""
    if len(inputs) > 1 and type(model).__name__ == "Functional":
        return model(list(inputs), training=False)
    return model(*inputs, training=False)


def _copy_weights(source: Side, target: Side, contract: dict, randomize: bool) -> Any:
    """Copies `source`'s weights into `target` through the catalog's rules; returns the transfer (pairs, missing)."""
    import keras

    from nnmigrate.catalog import default_catalog
    from nnmigrate.readers.support_copies import is_copy
    from nnmigrate.verify.transfer import Transfer
    from nnmigrate.verify.transfer_from_keras import KerasToTorchTransfer

    renames = contract.get("renames", {})
    if source.framework == "torch":
        if randomize:
            _randomize_norms(source.model, 0)
        # the model's own classes: from the source file or, migrated into it, from the rest of its package
        classes = {type(m).__name__ for m in source.model.modules() if not type(m).__module__.startswith("torch.")
                   and not is_copy(type(m), "torch_layers.py")}
        transfer: Any = Transfer(default_catalog(), classes, renames, target.builder_layers)
    else:
        if randomize:
            _randomize_keras_norms(source.model, 0)
        classes = {name for name, obj in vars(source.module).items() if isinstance(obj, type)
                   and issubclass(obj, keras.layers.Layer) and obj.__module__ == source.module.__name__
                   and not is_copy(obj, "keras_layers.py")}
        # and, migrated into it, those of the rest of its package the model holds
        layers = [*source.builder_layers, *(source.model._flatten_layers() if hasattr(source.model, "_flatten_layers")
                                             else [])]
        classes |= {type(layer).__name__ for layer in layers
                    if not type(layer).__module__.startswith(("keras.", "tensorflow.", "tf_keras."))
                    and not is_copy(type(layer), "keras_layers.py")}
        transfer = KerasToTorchTransfer(default_catalog(), classes, renames, source.builder_layers)
    transfer.run(source.model, target.model)
    return transfer


def _error(message: str, device: str) -> dict:
    return {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": device,
            "message": message}


def _compare(sources: list[np.ndarray], targets: list[np.ndarray], out_layouts: list, to_last: bool) -> tuple[float, float]:
    worst_abs, worst_rel = 0.0, 0.0
    for i, (a, b) in enumerate(zip(sources, targets)):
        layout = out_layouts[i] if i < len(out_layouts) else None
        d_abs, d_rel = diff(a, _align(b, a.shape, layout, to_last))
        worst_abs = d_abs if np.isnan(d_abs) else max(worst_abs, d_abs)
        worst_rel = max(worst_rel, d_rel)
    return worst_abs, worst_rel


def _check(request: dict, progress: Callable[[str, float], None], hops: list[tuple[str, dict]]) -> dict:
    """Builds the source and each migrated model in `hops` (path, contract), copies weights along the chain
    and compares the last model with the source, end to end and per source layer."""
    import torch

    torch.set_num_threads(1)
    progress("importing frameworks", 0.05)
    import keras
    import tensorflow as tf

    device = _device(request.get("device", "auto"))
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    tf.config.experimental.enable_tensor_float_32_execution(False)
    if not request.get("inputs"):
        return _error("no input spec: pass --input float32[2,3,32,32] (CLI) or put "
                      "`# nnmigrate: input float32[2,3,32,32]` above the class (editor)", device)
    framework = "torch" if hops[0][1].get("source_framework", "torch") == "torch" else "keras"
    progress("building the source model", 0.15)
    torch.manual_seed(0)
    keras.utils.set_random_seed(0)
    sides = [_build_side(request["source_path"], "_nnmigrate_source", request, framework, keras)]
    rng = np.random.default_rng(1234)
    sides[0].inputs = [InputSpec.parse(s).sample(rng) for s in request["inputs"]]
    for i, (path, contract) in enumerate(hops):
        progress("building the migrated model", 0.3)
        framework = "keras" if framework == "torch" else "torch"
        side = _build_side(path, f"_nnmigrate_target{i}", request, framework, keras)
        side.inputs = _moved_inputs(sides[-1].inputs, contract, to_last=framework == "keras")
        sides.append(side)
    for side in sides:
        _run(side, device)
    progress("copying weights", 0.45)
    pairs: list[tuple[str, Any, Any]] = []  # (source path, source layer, layer of the last model)
    for i, (_, contract) in enumerate(hops):
        transfer = _copy_weights(sides[i], sides[i + 1], contract, randomize=i == 0)
        if transfer.missing:
            return _error("weights without a counterpart in the migrated model: " + ", ".join(transfer.missing[:10]),
                          device)
        by_middle = {id(target): (path, source) for path, source, target in pairs}
        # a layer of the middle model this hop walked member by member (a composite) pairs as a whole
        found = [*transfer.pairs, *transfer.containers]
        pairs = list(transfer.pairs) if i == 0 else [(*by_middle[id(middle)], target) for _, middle, target in found
                                                     if id(middle) in by_middle]
    captured: dict[str, tuple[list, list]] = {path: ([], []) for path, _, _ in pairs}
    undo = [_capture(layer, captured[path][i]) for path, *layers in pairs for i, layer in enumerate(layers)]
    progress("running both models", 0.7)
    src_out, tgt_out = _run(sides[0], device), _run(sides[-1], device)
    for u in undo:
        u()
    to_last = sides[-1].framework == "keras"
    if len(src_out) != len(tgt_out):
        return _error(f"the source returns {len(src_out)} tensors, the migration {len(tgt_out)}", device) | {
            "status": "not_equivalent"}
    # across a round trip the layout comes back to the source's: outputs compare as they are
    out_layouts = _entry(hops[0][1]).get("outputs", []) if len(hops) == 1 else []
    worst_abs, worst_rel = _compare(src_out, tgt_out, out_layouts, to_last)
    per_layer = []
    for path, _, target_layer in pairs:
        sources, targets = captured[path]
        for a, b in zip(sources, targets):
            if a is None or b is None:
                continue
            a, b = np.asarray(a), np.asarray(b)
            # a layer's layout is not recorded: when both orders fit the shape (C == W), take the closer one
            d_abs = min(diff(a, _align(b, a.shape, layout, to_last))[0] for layout in (None, "moved"))
            name = getattr(target_layer, "name", None)  # a Keras layer's; a torch module's `name` may be anything
            name = name if isinstance(name, str) and name else type(target_layer).__name__
            per_layer.append({"source": path, "target": name, "max_abs_diff": d_abs})
            break
    ok = worst_abs <= TOLERANCE
    shapes = ", ".join(str(list(a.shape)) for a in src_out)
    return {"status": "equivalent" if ok else "not_equivalent", "max_abs_diff": worst_abs, "max_rel_diff": worst_rel,
            "per_layer": per_layer, "device": device,
            "message": f"outputs {shapes}; TF32 off in both frameworks; tolerance {TOLERANCE:g}"}


def run_check(request: dict, progress: Callable[[str, float], None]) -> dict:
    """One check. `request["hops"]` ([{"path", "contract"}, ...]) chains migrations, e.g. a round trip
    PyTorch -> Keras -> PyTorch compared with the original; otherwise `target_path` with `contract`."""
    hops = [(h["path"], h["contract"]) for h in request.get("hops", [])] or [
        (request["target_path"], request.get("contract", {}))]
    return _check(request, progress, hops)
