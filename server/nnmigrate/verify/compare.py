"""One equivalence check inside the worker: build both models, copy weights, run, compare end to end and per layer."""

from __future__ import annotations

from collections.abc import Callable
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


def _align(target: np.ndarray, source_shape: tuple[int, ...], layout: str | None) -> np.ndarray:
    """Target output in the source layout: channels-last outputs move their last axis back to 1."""
    if tuple(target.shape) == tuple(source_shape) and layout != "moved":
        return target
    if target.ndim >= 3:
        moved = np.moveaxis(target, -1, 1)
        if tuple(moved.shape) == tuple(source_shape):
            return moved
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


def run_check(request: dict, progress: Callable[[str, float], None]) -> dict:
    import torch

    torch.set_num_threads(1)
    progress("importing frameworks", 0.05)
    import keras
    import tensorflow as tf

    from nnmigrate.catalog import default_catalog
    from nnmigrate.verify.loading import build, import_file
    from nnmigrate.verify.transfer import Transfer

    device = _device(request.get("device", "auto"))
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    tf.config.experimental.enable_tensor_float_32_execution(False)
    contract = request.get("contract", {})
    symbol, kwargs = request["symbol"], request.get("args") or {}
    progress("building the source model", 0.15)
    src_mod = import_file(request["source_path"], "_nnmigrate_source")
    out_mod = import_file(request["target_path"], "_nnmigrate_target")
    torch.manual_seed(0)
    tm = build(src_mod, symbol, kwargs)
    keras.utils.set_random_seed(0)
    progress("building the migrated model", 0.3)
    km = build(out_mod, symbol, kwargs)
    tm.eval().to(device)
    rng = np.random.default_rng(1234)
    specs = [InputSpec.parse(s) for s in request["inputs"]]
    arrays = [s.sample(rng) for s in specs]
    entry = next(iter(contract.get("entry_classes", {}).values()), {"inputs": [], "outputs": []})
    layouts = entry.get("inputs", [])
    keras_inputs = [np.ascontiguousarray(np.moveaxis(a, 1, -1)) if i < len(layouts) and layouts[i] == "moved"
                    and a.ndim >= 3 else a for i, a in enumerate(arrays)]
    torch_inputs = [torch.from_numpy(a).to(device) for a in arrays]
    with torch.no_grad():
        tm(*torch_inputs)  # materializes Lazy modules
    _randomize_norms(tm, 0)
    progress("copying weights", 0.45)
    km(*keras_inputs, training=False)  # builds Keras weights
    # the model's own classes (from the source file or, migrated into it, from the rest of its package)
    source_classes = {type(m).__name__ for m in tm.modules() if not type(m).__module__.startswith("torch.")}
    transfer = Transfer(default_catalog(), source_classes, contract.get("renames", {}))
    transfer.run(tm, km)
    if transfer.missing:
        return {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": device,
                "message": "weights without a counterpart in the migrated model: " + ", ".join(transfer.missing[:10])}
    captured_t: dict[str, list[np.ndarray]] = {}
    captured_k: dict[str, list[np.ndarray]] = {}
    hooks = []
    for path, tmod, klayer in transfer.pairs:
        hooks.append(tmod.register_forward_hook(lambda m, i, o, p=path: captured_t.setdefault(p, []).append(_leaves(o)[0])))
        original = klayer.call

        def wrapped(*a, __orig=original, __p=path, **k):
            out = __orig(*a, **k)
            captured_k.setdefault(__p, []).append(_leaves(out)[0] if _leaves(out) else None)
            return out

        object.__setattr__(klayer, "call", wrapped)
    progress("running both models", 0.7)
    with torch.no_grad():
        t_out = _leaves(tm(*torch_inputs))
    k_out = [np.asarray(x) for x in _leaves(km(*keras_inputs, training=False))]
    for h in hooks:
        h.remove()
    out_layouts = entry.get("outputs", [])
    if len(t_out) != len(k_out):
        return {"status": "not_equivalent", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [],
                "device": device, "message": f"the source returns {len(t_out)} tensors, the migration {len(k_out)}"}
    worst_abs, worst_rel = 0.0, 0.0
    for i, (a, b) in enumerate(zip(t_out, k_out)):
        layout = out_layouts[i] if i < len(out_layouts) else None
        d_abs, d_rel = diff(a, _align(b, a.shape, layout))
        worst_abs, worst_rel = max(worst_abs, d_abs) if not np.isnan(d_abs) else d_abs, max(worst_rel, d_rel)
    per_layer = []
    for path, tmod, klayer in transfer.pairs:
        for a, b in zip(captured_t.get(path, []), captured_k.get(path, [])):
            if b is None:
                continue
            b = np.asarray(b)
            d_abs, _ = diff(a, _align(b, a.shape, None))
            per_layer.append({"source": path, "target": klayer.name, "max_abs_diff": d_abs})
            break
    ok = worst_abs <= TOLERANCE
    shapes = ", ".join(str(list(a.shape)) for a in t_out)
    return {"status": "equivalent" if ok else "not_equivalent", "max_abs_diff": worst_abs, "max_rel_diff": worst_rel,
            "per_layer": per_layer, "device": device,
            "message": f"outputs {shapes}; TF32 off in both frameworks; tolerance {TOLERANCE:g}"}
