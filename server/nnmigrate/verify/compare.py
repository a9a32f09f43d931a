"""One equivalence check inside the worker: build both models, copy weights, run, compare end to end and per layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    if hasattr(value, "detach"):
        return [value.detach().cpu().numpy()]
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
def _recording_calls(keras: Any) -> Iterator[list]:
    """Records the layers a Keras builder calls at the top level, in order (a Functional model keeps them sorted
    by depth instead, so this is how its layers are paired with the migrated module's)."""
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
    """Keras twin of `_randomize_norms`: non-trivial BatchNormalization statistics and affine weights."""
    import keras

    rng = np.random.default_rng(seed)
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization) and layer.weights:
            new = []
            for var in layer.weights:
                shape = tuple(var.shape)
                name = var.path.rsplit("/", 1)[-1]
                if name in ("moving_variance", "gamma"):
                    new.append(rng.random(shape).astype("float32") + 0.5)
                else:
                    new.append((rng.standard_normal(shape) * 0.1).astype("float32"))
            layer.set_weights(new)


def _call_keras(model: Any, inputs: list[np.ndarray]) -> Any:
    """A Keras model in inference mode: a Functional model takes its several inputs as one list."""
    if len(inputs) > 1 and type(model).__name__ == "Functional":
        return model(list(inputs), training=False)
    return model(*inputs, training=False)


def run_check(request: dict, progress: Callable[[str, float], None]) -> dict:
    import torch

    torch.set_num_threads(1)
    progress("importing frameworks", 0.05)
    import keras
    import tensorflow as tf

    from nnmigrate.catalog import default_catalog
    from nnmigrate.verify.loading import build, import_file
    from nnmigrate.verify.transfer import Transfer
    from nnmigrate.verify.transfer_from_keras import KerasToTorchTransfer

    device = _device(request.get("device", "auto"))
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    tf.config.experimental.enable_tensor_float_32_execution(False)
    contract = request.get("contract", {})
    from_torch = contract.get("source_framework", "torch") == "torch"
    symbol, kwargs = request["symbol"], request.get("args") or {}
    progress("building the source model", 0.15)
    src_mod = import_file(request["source_path"], "_nnmigrate_source")
    out_mod = import_file(request["target_path"], "_nnmigrate_target")
    torch.manual_seed(0)
    keras.utils.set_random_seed(0)
    with _recording_calls(keras) as call_order:
        source_model = build(src_mod, symbol, kwargs)
    progress("building the migrated model", 0.3)
    target_model = build(out_mod, symbol, kwargs)
    tm, km = (source_model, target_model) if from_torch else (target_model, source_model)
    tm.eval().to(device)
    rng = np.random.default_rng(1234)
    if not request.get("inputs"):
        return {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": device,
                "message": "no input spec: pass --input float32[2,3,32,32] (CLI) or put "
                           "`# nnmigrate: input float32[2,3,32,32]` above the class (editor)"}
    arrays = [InputSpec.parse(s).sample(rng) for s in request["inputs"]]
    entry = next(iter(contract.get("entry_classes", {}).values()), {"inputs": [], "outputs": []})
    layouts = entry.get("inputs", [])
    moved = [np.ascontiguousarray(np.moveaxis(a, 1, -1) if from_torch else np.moveaxis(a, -1, 1))
             if i < len(layouts) and layouts[i] == "moved" and a.ndim >= 3 else a for i, a in enumerate(arrays)]
    keras_inputs, torch_arrays = (moved, arrays) if from_torch else (arrays, moved)
    torch_inputs = [torch.from_numpy(a).to(device) for a in torch_arrays]
    with torch.no_grad():
        tm(*torch_inputs)  # materializes Lazy modules and lazily built layers
    _call_keras(km, keras_inputs)  # builds Keras weights
    progress("copying weights", 0.45)
    if from_torch:
        _randomize_norms(tm, 0)
        # the model's own classes: from the source file or, migrated into it, from the rest of its package
        source_classes = {type(m).__name__ for m in tm.modules() if not type(m).__module__.startswith("torch.")}
        transfer: Any = Transfer(default_catalog(), source_classes, contract.get("renames", {}))
        transfer.run(tm, km)
    else:
        _randomize_keras_norms(km, 0)
        source_classes = {name for name, obj in vars(src_mod).items() if isinstance(obj, type)
                          and issubclass(obj, keras.layers.Layer) and obj.__module__ == src_mod.__name__}
        transfer = KerasToTorchTransfer(default_catalog(), source_classes, contract.get("renames", {}), call_order)
        transfer.run(km, tm)
    if transfer.missing:
        return {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": device,
                "message": "weights without a counterpart in the migrated model: " + ", ".join(transfer.missing[:10])}
    captured: dict[str, tuple[list, list]] = {path: ([], []) for path, _, _ in transfer.pairs}
    undo = [f(layer, captured[path][i]) for path, *layers in transfer.pairs
            for i, (f, layer) in enumerate(zip((_capture, _capture), layers))]
    progress("running both models", 0.7)
    with torch.no_grad():
        t_out = _leaves(tm(*torch_inputs))
    k_out = [np.asarray(x) for x in _leaves(_call_keras(km, keras_inputs))]
    for u in undo:
        u()
    src_out, tgt_out = (t_out, k_out) if from_torch else (k_out, t_out)
    out_layouts = entry.get("outputs", [])
    if len(src_out) != len(tgt_out):
        return {"status": "not_equivalent", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [],
                "device": device, "message": f"the source returns {len(src_out)} tensors, the migration {len(tgt_out)}"}
    worst_abs, worst_rel = 0.0, 0.0
    for i, (a, b) in enumerate(zip(src_out, tgt_out)):
        layout = out_layouts[i] if i < len(out_layouts) else None
        d_abs, d_rel = diff(a, _align(b, a.shape, layout, from_torch))
        worst_abs = d_abs if np.isnan(d_abs) else max(worst_abs, d_abs)
        worst_rel = max(worst_rel, d_rel)
    per_layer = []
    for path, _, target_layer in transfer.pairs:
        sources, targets = captured[path]
        for a, b in zip(sources, targets):
            if a is None or b is None:
                continue
            a, b = np.asarray(a), np.asarray(b)
            # a layer's layout is not recorded: when both orders fit the shape (C == W), take the closer one
            d_abs = min(diff(a, _align(b, a.shape, layout, from_torch))[0] for layout in (None, "moved"))
            name = getattr(target_layer, "name", None) or type(target_layer).__name__
            per_layer.append({"source": path, "target": name, "max_abs_diff": d_abs})
            break
    ok = worst_abs <= TOLERANCE
    shapes = ", ".join(str(list(a.shape)) for a in src_out)
    return {"status": "equivalent" if ok else "not_equivalent", "max_abs_diff": worst_abs, "max_rel_diff": worst_rel,
            "per_layer": per_layer, "device": device,
            "message": f"outputs {shapes}; TF32 off in both frameworks; tolerance {TOLERANCE:g}"}
