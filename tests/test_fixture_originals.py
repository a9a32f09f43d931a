"""Run every hand-written fixture model in its own framework and check its output shapes.

The fixtures (fixtures/pytorch, fixtures/keras) are the inputs of the migration tests; this test
makes sure the originals themselves build and run as the manifest (fixtures/manifest.toml) says.
"""
import importlib.util
import inspect
import os
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MANIFEST = FIXTURES / "manifest.toml"
FRAMEWORKS = {"pytorch", "tensorflow"}

_SPEC_RE = re.compile(r"^\s*(?P<dtype>[a-z]+[0-9]*)\[(?P<shape>[0-9,\s]*)\](?:\s*<\s*(?P<high>[0-9]+))?\s*$")


def load_manifest():
    with open(MANIFEST, "rb") as f:
        return tomllib.load(f)["fixture"]


def parse_spec(spec):
    """'float32[2,3,32,32]' -> ('float32', (2, 3, 32, 32), None); 'int64[2,16]<1000' -> (..., 1000)."""
    m = _SPEC_RE.match(spec)
    if not m:
        raise ValueError(f"bad input spec {spec!r}")
    shape = tuple(int(s) for s in m.group("shape").split(",") if s.strip())
    high = int(m.group("high")) if m.group("high") else None
    return m.group("dtype"), shape, high


def make_inputs(specs, seed=0):
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        dtype, shape, high = parse_spec(spec)
        if dtype.startswith("float"):
            arrays.append(rng.standard_normal(shape).astype(dtype))
        elif dtype.startswith("int"):
            arrays.append(rng.integers(0, high if high is not None else 2, size=shape).astype(dtype))
        else:
            raise ValueError(f"unsupported dtype in {spec!r}")
    return arrays


def import_fixture(fx):
    path = FIXTURES / fx["file"]
    name = "nnmigrate_fixture_" + re.sub(r"\W", "_", fx["id"])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def expected_shapes(fx):
    out = fx["output_shape"]
    if out and isinstance(out[0], list):
        return [tuple(s) for s in out]
    return [tuple(out)]


def as_list(outputs):
    if isinstance(outputs, (tuple, list)):
        return list(outputs)
    if isinstance(outputs, dict):
        return list(outputs.values())
    return [outputs]


def run_torch(fx):
    import torch

    torch.manual_seed(0)
    module = import_fixture(fx)
    model = getattr(module, fx["symbol"])(**fx.get("args", {}))
    assert isinstance(model, torch.nn.Module)
    model.eval()
    inputs = [torch.from_numpy(a) for a in make_inputs(fx["inputs"])]
    with torch.no_grad():
        out1 = as_list(model(*inputs))
        out2 = as_list(model(*inputs))
    for a, b in zip(out1, out2):  # deterministic in eval mode
        assert torch.equal(a, b)
    return [o.detach().numpy() for o in out1]


def keras_call(model, inputs):
    """Call a Keras model/layer in inference mode. Functional models take several inputs as one
    list (their call() is call(inputs, training, mask)); subclassed ones may take them positionally."""
    if len(inputs) == 1:
        return model(inputs[0], training=False)
    params = [
        p for p in inspect.signature(model.call).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in ("training", "mask")
    ]
    if len(params) >= len(inputs):
        return model(*inputs, training=False)
    return model(list(inputs), training=False)


def run_keras(fx):
    import keras

    keras.utils.set_random_seed(0)
    module = import_fixture(fx)
    model = getattr(module, fx["symbol"])(**fx.get("args", {}))
    assert isinstance(model, keras.layers.Layer)
    inputs = make_inputs(fx["inputs"])
    out1 = [keras.ops.convert_to_numpy(o) for o in as_list(keras_call(model, inputs))]
    out2 = [keras.ops.convert_to_numpy(o) for o in as_list(keras_call(model, inputs))]
    for a, b in zip(out1, out2):  # deterministic in inference mode
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    return out1


FIXTURE_LIST = load_manifest()


def test_manifest_well_formed():
    ids = [fx["id"] for fx in FIXTURE_LIST]
    assert len(ids) == len(set(ids)), "duplicate fixture ids"
    referenced = set()
    for fx in FIXTURE_LIST:
        for key in ("id", "file", "framework", "symbol", "inputs", "output_shape"):
            assert key in fx, f"{fx.get('id')}: missing {key}"
        assert fx["framework"] in FRAMEWORKS, fx["id"]
        assert (FIXTURES / fx["file"]).is_file(), fx["file"]
        assert isinstance(fx.get("args", {}), dict)
        for spec in fx["inputs"]:
            dtype, shape, high = parse_spec(spec)
            assert 2 in shape, f"{fx['id']}: batch size 2 expected in {spec}"  # seq-first RNNs: (L, N, F)
            assert dtype.startswith("float") or high is not None, spec
        referenced.add(fx["file"])
    on_disk = {f"{d}/{p.name}" for d in ("pytorch", "keras") for p in (FIXTURES / d).glob("*.py")}
    assert on_disk - referenced == set(), "fixture files missing from the manifest"


@pytest.mark.parametrize("fx", FIXTURE_LIST, ids=[fx["id"] for fx in FIXTURE_LIST])
def test_fixture_original_runs(fx):
    if fx["framework"] == "pytorch":
        outputs = run_torch(fx)
    else:
        outputs = run_keras(fx)
    expected = expected_shapes(fx)
    assert [tuple(o.shape) for o in outputs] == expected
    for o in outputs:
        assert np.all(np.isfinite(o)), f"{fx['id']}: non-finite output"
