"""PyTorch code whose Keras output used to migrate without a word yet fail or compute something else: each now has a
faithful Keras form, verified equivalent, or is reported with a diagnostic and a marker."""

from __future__ import annotations

import ast
import textwrap

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from tests.engine.test_realworld_patterns import check


def to_keras(source: str):
    source = textwrap.dedent(source)
    result = migrate_source(source, Framework.TENSORFLOW)
    ast.parse(result.text)
    return source, result


def test_item_assignment_on_tensors_is_written_as_a_new_tensor(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        import torch.nn as nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.conv = nn.Conv2d(3, 4, 3, padding=1)
                self.out = nn.Conv2d(4, 2, 1)

            def forward(self, x, img):
                y = self.fc(x)
                y[:, 0] = 0.0
                y[0] = y[0] * 2
                y[:, 1:3] += x[:, 1:3]
                z = self.conv(img)
                z[:, 0] = z[:, 1] * 2
                z[..., :2] -= 1.0
                names = {}
                names["y"] = y
                return names["y"], self.out(z)
        """, "Head", ["float32[2,4]", "float32[2,3,6,6]"])
    assert "def set_items(x, index, value):" in text
    assert "y = set_items(y, (slice(None), 0), 0.0)" in text
    assert "names['y'] = y" in text


def test_item_assignment_at_tensor_indices_is_reported():
    source, result = to_keras("""
        import torch
        import torch.nn as nn

        class Mask(nn.Module):
            def forward(self, x):
                y = x * 2
                y[x > 0] = 0.0
                return y
        """)
    [d] = [d for d in result.diagnostics if "item assignment" in d.message]
    assert d.code == "NNM103" and d.range.start_line == source.splitlines().index("        y[x > 0] = 0.0") + 1
    assert "# TODO(nnmigrate): not migrated: item assignment at tensor-valued indices" in result.text


def test_item_assignment_building_a_buffer_in_the_constructor(tmp_path, worker):
    text = check(worker, tmp_path, """
        import math
        import torch
        import torch.nn as nn

        class PositionalEncoding(nn.Module):
            def __init__(self, d_model=8, max_len=16):
                super().__init__()
                pe = torch.zeros(max_len, d_model)
                position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
                div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
                pe[:, 0::2] = torch.sin(position * div_term)
                pe[:, 1::2] = torch.cos(position * div_term)
                self.register_buffer("pe", pe.unsqueeze(0))

            def forward(self, x):
                return x + self.pe[:, : x.size(1)]
        """, "PositionalEncoding", ["float32[2,5,8]"])
    assert "pe = set_items(pe, (slice(None), slice(0, None, 2)), ops.sin(position * div_term))" in text


NET_WITH_SETTINGS = """
    import torch
    import torch.nn as nn

    class Body(nn.Sequential):
        def __init__(self):
            super().__init__(nn.Linear(4, 8).eval(), nn.ReLU(), nn.Linear(8, 4).float())

        def forward(self, x):
            return super().forward(x) + x

    class Net(nn.Module):
        def __init__(self, device="cpu"):
            super().__init__()
            self.body = Body().to(device)
            self.head = nn.Linear(4, 2).to(device).float()
            self.head.train(False)
            self.apply(self._init_weights)

        def _init_weights(self, m):
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

        def forward(self, x):
            return self.head(self.body(x))
    """


def test_super_forward_and_module_settings_in_the_constructor(tmp_path, worker):
    """`super().forward(x)` is the parent's `call`; `.eval()`, `.to(device)`, `.float()`, `.train(False)` and
    `.apply(init)` set nothing the migrated layers compute with in float32 inference: left out, each noted."""
    text = check(worker, tmp_path, NET_WITH_SETTINGS, "Net", ["float32[2,4]"])
    assert "return super().call(x) + x" in text
    assert "super().__init__([layers.Dense(8), layers.ReLU(), layers.Dense(4)])" in text
    assert "self.body = Body()\n" in text and "self.head = layers.Dense(2)\n" in text
    assert "# nnmigrate: left out the module's mode: `self.head.train(False)`" in text
    assert "# nnmigrate: left out weight initialisation over submodules: `self.apply(self._init_weights)`" in text
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for left_out in (".eval()", ".to(", ".float()", ".train(", ".apply(", "ops.cast"):
        assert left_out not in code


def test_module_settings_left_out_are_reported_where_they_were():
    source, result = to_keras(NET_WITH_SETTINGS.replace(".to(device).float()", ".cuda().half()"))
    found = {(d.code, d.severity.value, d.message.split("`")[1]) for d in result.diagnostics if "`" in d.message}
    assert ("NNM206", "information", "nn.Linear(4, 8).eval()") in found
    assert ("NNM206", "information", "Body().to(device)") in found
    assert ("NNM206", "warning", "nn.Linear(4, 2).cuda().half()") in found  # the precision differs: a warning
    assert ("NNM205", "warning", "self.apply(self._init_weights)") in found
    lines = source.splitlines()
    assert all(d.range is not None and d.message.split("`")[1] in lines[d.range.start_line - 1]
               for d in result.diagnostics if "`" in d.message)


def test_layer_classes_held_by_the_class_are_called_like_the_class(tmp_path, worker):
    """`act_layer = nn.GELU` at class level, called as `self.act_layer()`: a static factory of the Keras layer
    (a plain lambda would be bound as a method and take `self`), overridable in a subclass like the original."""
    text = check(worker, tmp_path, """
        import torch.nn as nn

        class Mlp(nn.Module):
            act_layer = nn.GELU
            norm_layer = nn.LayerNorm

            def __init__(self, dim=4, hidden=8):
                super().__init__()
                self.fc1 = nn.Linear(dim, hidden)
                self.act = self.act_layer()
                self.fc2 = nn.Linear(hidden, dim)
                self.norm = self.norm_layer(dim, eps=1e-6)

            def forward(self, x):
                return self.norm(self.fc2(self.act(self.fc1(x))))

        class ReluMlp(Mlp):
            act_layer = nn.ReLU

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Mlp()
                self.b = ReluMlp()

            def forward(self, x):
                return self.b(self.a(x))
        """, "Net", ["float32[2,4]"])
    assert "act_layer = staticmethod(lambda approximate='none': layers.Activation('gelu'))" in text
    assert "norm_layer = staticmethod(lambda normalized_shape, eps=1e-05: layers.LayerNormalization(epsilon=eps))" \
        in text


def test_a_layer_class_setting_the_target_only_takes_as_a_constant_is_fixed_in_the_factory():
    """`norm = nn.LayerNorm` as a factory: `elementwise_affine` decides Keras's `center` and `scale`, so the
    factory builds the default (affine) layer and takes no such argument, rather than a non-affine one."""
    _, result = to_keras("""
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, dim=4):
                super().__init__()
                norm = nn.LayerNorm
                self.ln = norm(dim)

            def forward(self, x):
                return self.ln(x)
        """)
    assert "norm = lambda normalized_shape, eps=1e-05: layers.LayerNormalization(epsilon=eps)" in result.text
