"""Support layers (RecurrentStack, TorchStyleAttention) match torch's LSTM/GRU/RNN/MultiheadAttention with copied weights."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from nnmigrate.catalog import default_catalog  # noqa: E402
from nnmigrate.support import keras_layers  # noqa: E402

TOL = 1e-5


def _copy(tm: torch.nn.Module, layer: keras.layers.Layer) -> None:
    """What verify's transfer does for a leaf module: the catalog weight rule, then set_weights."""
    entry, _ = default_catalog().lookup("torch", f"torch.nn.{type(tm).__name__}")
    tensors = {name: t.detach().numpy() for name, t in tm.named_parameters()}
    config = {k: v for k, v in vars(tm).items() if not k.startswith("_") and isinstance(v, (int, float, str, bool, tuple))}
    layer.set_weights([np.asarray(w, np.float32) for w in entry.weights.convert(tensors, config)])


def _close(a: torch.Tensor, b) -> None:
    a, b = a.detach().numpy(), np.asarray(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(b, a, atol=TOL, rtol=0)


RECURRENT = [
    ("lstm", {}), ("lstm", {"num_layers": 2, "bidirectional": True}), ("lstm", {"batch_first": True, "bias": False}),
    ("gru", {}), ("gru", {"num_layers": 2, "batch_first": True}), ("gru", {"bidirectional": True}),
    ("rnn", {"num_layers": 2}), ("rnn", {"nonlinearity": "relu", "bidirectional": True, "batch_first": True}),
]


@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("cell,options", RECURRENT, ids=[f"{c}-{'-'.join(o) or 'default'}" for c, o in RECURRENT])
def test_recurrent_stack_matches_torch(cell, options, with_state):
    torch.manual_seed(0)
    tm = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](5, 7, **options).eval()
    keras_options = {("use_bias" if k == "bias" else k): v for k, v in options.items() if k != "nonlinearity"}
    if "nonlinearity" in options:
        keras_options["activation"] = options["nonlinearity"]
    km = keras_layers.RecurrentStack(cell, 7, **keras_options)
    batch_first = options.get("batch_first", False)
    x = torch.randn(3, 6, 5) if batch_first else torch.randn(6, 3, 5)
    rows = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    hx = None
    if with_state:
        h0 = torch.randn(rows, 3, 7)
        hx = (h0, torch.randn(rows, 3, 7)) if cell == "lstm" else h0
    keras_hx = None if hx is None else (tuple(t.numpy() for t in hx) if cell == "lstm" else hx.numpy())
    km(x.numpy(), keras_hx)  # builds the layers
    _copy(tm, km)
    with torch.no_grad():
        expected = tm(x, hx)
    got = km(x.numpy(), keras_hx, training=False)
    _close(expected[0], got[0])
    if cell == "lstm":
        _close(expected[1][0], got[1][0])
        _close(expected[1][1], got[1][1])
    else:
        _close(expected[1], got[1])


ATTENTION = [
    ({}, {}),
    ({"batch_first": True}, {"need_weights": False}),
    ({"batch_first": True}, {"average_attn_weights": False, "key_padding_mask": "bool"}),
    ({}, {"attn_mask": "causal_float", "key_padding_mask": "float"}),
    ({"batch_first": True}, {"attn_mask": "causal_bool"}),
    ({"batch_first": True}, {"attn_mask": "per_head", "key_padding_mask": "bool", "average_attn_weights": False}),
    ({"batch_first": True, "kdim": 6, "vdim": 3}, {}),
    ({"bias": False}, {}),
]


def _masks(call: dict, n: int, length: int, heads: int) -> tuple[dict, dict]:
    """torch keyword arguments and their numpy twins for the Keras layer."""
    out = {k: v for k, v in call.items() if not isinstance(v, str)}
    g = torch.Generator().manual_seed(3)
    if call.get("key_padding_mask") == "bool":
        pad = torch.zeros(n, length, dtype=torch.bool)
        pad[0, -2:] = True
        out["key_padding_mask"] = pad
    elif call.get("key_padding_mask") == "float":
        pad = torch.zeros(n, length)
        pad[0, -2:] = float("-inf")
        out["key_padding_mask"] = pad
    kind = call.get("attn_mask")
    if kind == "causal_float":
        out["attn_mask"] = torch.nn.Transformer.generate_square_subsequent_mask(length)
    elif kind == "causal_bool":
        out["attn_mask"] = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
    elif kind == "per_head":
        mask = torch.rand(n * heads, length, length, generator=g) > 0.7
        mask[..., 0] = False  # every query keeps one key
        out["attn_mask"] = mask
    return out, {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in out.items()}


@pytest.mark.parametrize("options,call", ATTENTION, ids=[f"case{i}" for i in range(len(ATTENTION))])
def test_torch_style_attention_matches_torch(options, call):
    torch.manual_seed(0)
    embed, heads, n, length = 8, 2, 2, 5
    tm = torch.nn.MultiheadAttention(embed, heads, **options).eval()
    with torch.no_grad():
        if tm.in_proj_bias is not None:
            tm.in_proj_bias.normal_()
            tm.out_proj.bias.normal_()
    km = keras_layers.TorchStyleAttention(embed, heads, use_bias=options.get("bias", True),
                                          batch_first=options.get("batch_first", False))
    shape = (n, length) if options.get("batch_first") else (length, n)
    q = torch.randn(*shape, embed)
    k = torch.randn(*shape, options.get("kdim", embed))
    v = torch.randn(*shape, options.get("vdim", embed))
    torch_kwargs, keras_kwargs = _masks(call, n, length, heads)
    km(q.numpy(), k.numpy(), v.numpy(), **keras_kwargs)
    _copy(tm, km)
    with torch.no_grad():
        expected = tm(q, k, v, **torch_kwargs)
    got = km(q.numpy(), k.numpy(), v.numpy(), **keras_kwargs, training=False)
    _close(expected[0], got[0])
    if expected[1] is None:
        assert got[1] is None
    else:
        _close(expected[1], got[1])


def test_support_source_is_read_without_keras():
    from nnmigrate import support

    assert set(support.names()) == {"RecurrentStack", "TorchStyleAttention", "CeilModePadding", "layer_setting", "flatten_dims", "set_items",
                                   "Unfold"}
    code = support.source({"RecurrentStack"})
    assert code.startswith("class RecurrentStack(keras.layers.Layer):") and "TorchStyleAttention" not in code
    namespace: dict = {"keras": keras}
    exec(compile(code, "<support>", "exec"), namespace)
    assert issubclass(namespace["RecurrentStack"], keras.layers.Layer)


MIXED = '''
import torch
import torch.nn as nn


class Mixed(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.lstm = nn.LSTM(dim, dim, 2, bidirectional=True)
        self.gru = nn.GRU(2 * dim, dim, batch_first=True, bias=False)
        self.attn = nn.MultiheadAttention(dim, 2)

    def forward(self, x):
        self.lstm.flatten_parameters()
        seq, (h, c) = self.lstm(x)  # (L, N, 2H)
        out, h_gru = self.gru(seq.transpose(0, 1), h[-1:].contiguous())
        q = out.transpose(0, 1)
        pad = x[:, :, 0].transpose(0, 1) > 1.0  # (N, S), True = padding
        attended, weights = self.attn(q, q, q, key_padding_mask=pad)
        return attended + c.sum(0) * self.lstm.hidden_size, weights
'''


def test_mixed_module_writes_each_support_layer_once_and_verifies(tmp_path, worker):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source
    from nnmigrate.verify.run import build_request

    result = migrate_source(MIXED, Framework.TENSORFLOW, symbol="Mixed")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    text = result.text
    assert text.count("class RecurrentStack(") == 1 and text.count("class TorchStyleAttention(") == 1
    assert "import keras\n" in text and text.index("class RecurrentStack(") < text.index("class Mixed(")
    assert "RecurrentStack('lstm', dim, input_size=dim, num_layers=2, bidirectional=True)" in text
    assert "RecurrentStack('gru', dim, input_size=2 * dim, batch_first=True, use_bias=False)" in text
    src, out = tmp_path / "mixed.py", tmp_path / "mixed_tf.py"
    src.write_text(MIXED)
    out.write_text(text)
    report = worker.verify(build_request(str(src), str(out), "Mixed", {}, ["float32[6,2,8]"], "cpu", "native"), timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + text
    assert report["max_abs_diff"] <= TOL


def _stack_model(body: str) -> str:
    from nnmigrate.support import source as support_source

    return "import keras\nfrom keras import layers\n\n\n" + support_source(["RecurrentStack"], "keras_layers.py") + body


def test_recurrent_stack_without_input_size_is_sized_by_shape_inference(tmp_path, worker):
    from tests.conftest import migrate_and_verify

    text = migrate_and_verify(tmp_path, worker, _stack_model('''

class Tagger(keras.Model):
    def __init__(self, vocab=50, dim=12, hidden=8):
        super().__init__()
        self.embed = layers.Embedding(vocab, dim)
        self.rnn = RecurrentStack("gru", hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.head = RecurrentStack("lstm", hidden)

    def call(self, x):
        out, _ = self.rnn(self.embed(x))
        out, _ = self.head(out)
        return out
'''), "Tagger", ["int64[2,5]<50"]).text
    assert "class RecurrentStack" not in text
    assert "nn.GRU(dim, hidden, num_layers=2, batch_first=True, bidirectional=True)" in text
    assert "nn.LSTM(2 * hidden, hidden)" in text


def test_recurrent_stack_of_unknown_input_size_is_reported():
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(_stack_model('''

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.rnn = RecurrentStack("rnn", 8, batch_first=True)

    def call(self, x):
        return self.rnn(x)[0]
'''), Framework.parse("pytorch"), symbol="Net")
    assert result.exit_code != 0
    assert any("input_size is not known statically" in d.message for d in result.diagnostics)


@pytest.mark.parametrize("options", [{}, {"kdim": 6, "vdim": 3}, {"bias": False}], ids=["packed", "kdim_vdim", "no_bias"])
def test_attention_weights_go_back_to_torch_as_they_came(options):
    tm = torch.nn.MultiheadAttention(8, 2, **options)
    tensors = {name: t.detach().numpy() for name, t in tm.named_parameters()}
    rule = default_catalog().get("multihead_attention").weights
    back = rule.to_torch(rule.convert(tensors, {"num_heads": 2}), {})
    assert set(back) == set(tensors)
    for name, value in tensors.items():
        np.testing.assert_array_equal(back[name], value)


@pytest.mark.parametrize("cell,options", RECURRENT, ids=[f"{c}-{'-'.join(o) or 'default'}" for c, o in RECURRENT])
def test_recurrent_weights_go_back_to_torch_as_they_came(cell, options):
    tm = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](5, 7, **options)
    tensors = {name: t.detach().numpy() for name, t in tm.named_parameters()}
    config = {k: v for k, v in vars(tm).items() if not k.startswith("_") and isinstance(v, (int, float, str, bool))}
    rule = default_catalog().get(cell).weights
    back = rule.to_torch(rule.convert(tensors, config), config)
    assert set(back) == set(tensors)
    for name, value in tensors.items():  # LSTM and RNN biases come back summed on the input side (Keras has one)
        expected = value if cell == "gru" or "bias" not in name else (
            tensors[name] + tensors[name.replace("_ih_", "_hh_")] if "_ih_" in name else np.zeros_like(value))
        np.testing.assert_allclose(back[name], expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("kdim", [None, 6])
def test_attention_weights_go_back_to_torch(kdim):
    """The Keras weights of TorchStyleAttention map back onto the torch module's own parameters."""
    tm = torch.nn.MultiheadAttention(8, 2, kdim=kdim, vdim=kdim)
    rule = default_catalog().get("multihead_attention").weights
    tensors = {name: t.detach().numpy() for name, t in tm.named_parameters()}
    back = rule.to_torch(rule.convert(tensors, {"num_heads": 2}), {})
    assert set(back) == set(tensors)
    for name, value in tensors.items():
        np.testing.assert_array_equal(back[name], value)
