"""PyTorch calls common in published code that the catalog maps one-to-one (or nearly) onto keras.ops: each
migrated with exit 0 and verified equivalent with copied weights; random ones migrated and run for shape."""

from __future__ import annotations

import textwrap

from tests.conftest import migrate_and_verify
from tests.engine.test_realworld_patterns import check


def test_logsigmoid_topk_unbind_and_type_as(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(6, 6)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                a = F.logsigmoid(self.fc(x))
                top, _ = a.topk(2)
                low, idx = torch.topk(a, 2, dim=1, largest=False)
                first, second = a.unbind(1)
                return torch.cat([top, low, idx.type_as(a)], -1), first * second
        """, "Net", ["float32[2,2,6]"])
    assert "ops.log_sigmoid(" in text and "ops.top_k(" in text and "ops.unstack(" in text


def test_norms_and_filled_tensors(tmp_path, worker):
    check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                a = x / x.norm(dim=-1, keepdim=True)
                b = torch.norm(x, p=1, dim=(1, 2))
                c = torch.linalg.norm(x, dim=-1).sum(-1)
                d = torch.norm(x) + torch.linalg.vector_norm(x, ord=3, dim=1).sum()
                e = torch.full((1, 4), 0.5) + torch.full_like(a, 2.0)[:, 0]
                return a.sum((1, 2)) + b + c + d + e.sum(-1)
        """, "Net", ["float32[2,3,4]"])


def test_scaled_dot_product_attention_heads_scale_causal_and_masks(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.qkv = nn.Linear(8, 24)

            def forward(self, x):
                b, t, _ = x.shape
                q, k, v = self.qkv(x).reshape(b, t, 3, 2, 4).permute(2, 0, 3, 1, 4).unbind(0)
                causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                keep = torch.ones(t, t, dtype=torch.bool).tril()
                masked = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=0.3)
                biased = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.zeros(t, t) - x[:, :1, :t])
                return (causal + masked).transpose(1, 2).reshape(b, t, 8) + biased.sum()
        """, "Net", ["float32[2,5,8]"])
    assert "ops.dot_product_attention(" in text


def test_random_creation_ops_migrate_and_run(tmp_path):
    import numpy as np

    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(textwrap.dedent("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                noise = torch.randn_like(x)
                ids = torch.randint(0, 5, (2, 3))
                more = torch.randint(7, size=(4,))
                return noise, ids, more
        """), Framework.TENSORFLOW, symbol="Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    scope: dict = {}
    exec(compile(result.text, "net_keras.py", "exec"), scope)
    noise, ids, more = scope["Net"]()(np.zeros((2, 3), "float32"))
    dtype = scope["keras"].backend.standardize_dtype
    assert tuple(noise.shape) == (2, 3) and dtype(noise.dtype) == "float32"
    assert tuple(ids.shape) == (2, 3) and dtype(ids.dtype) == "int64"
    assert 0 <= int(np.min(ids)) and int(np.max(ids)) < 5 and 0 <= int(np.min(more)) and int(np.max(more)) < 7


def test_keras_top_k_norm_full_unstack_and_log_sigmoid_to_torch(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, """
        import keras
        from keras import layers, ops

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.fc = layers.Dense(6)

            def call(self, x):
                a = ops.log_sigmoid(self.fc(x))
                values, indices = ops.top_k(a, 2)
                first, second = ops.unstack(a, axis=1)
                scale = ops.norm(a, axis=-1, keepdims=True) + ops.norm(a, ord=1, axis=-1, keepdims=True)
                filled = ops.full((1, 6), 0.5) + ops.full_like(first, 2.0)
                return ops.concatenate([values, ops.cast(indices, "float32")], -1), a / scale, filled * second
        """, "Net", ["float32[2,2,6]"])
    assert "torch.topk(" in result.text and "torch.unbind(" in result.text and "torch.linalg.norm(" in result.text


def test_axis_ops_on_channels_last_conv_output(tmp_path, worker):
    check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1)

            def forward(self, x):
                y = self.conv(x)
                y = y / y.norm(dim=1, keepdim=True)
                top, _ = y.topk(2, dim=1)
                rows = torch.unbind(y, 2)
                return top, rows[0] + rows[-1], torch.linalg.norm(y, dim=(2, 3))
        """, "Net", ["float32[2,3,5,5]"])


def test_torch_init_functions_whose_value_is_used_become_keras_initializers(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, dim=4):
                super().__init__()
                self.w = nn.Parameter(nn.init.xavier_uniform_(torch.empty(dim, dim)))
                self.v = nn.Parameter(nn.init.kaiming_normal_(torch.empty(dim, dim), nonlinearity="relu"))
                self.u = nn.Parameter(nn.init.trunc_normal_(torch.empty(dim), std=0.02))
                self.q = nn.Parameter(nn.init.orthogonal_(torch.empty(dim, dim)))
                self.b = nn.Parameter(nn.init.constant_(torch.empty(dim), 0.1))
                self.c = nn.Parameter(nn.init.normal_(torch.empty(dim), std=0.5))
                self.d = nn.Parameter(nn.init.zeros_(torch.empty(dim)))

            def forward(self, x):
                return (x @ self.w @ self.v @ self.q + self.b) * self.u + self.c + self.d
        """, "Net", ["float32[2,4]"])
    assert "keras.initializers.GlorotUniform()((dim, dim))" in text
    assert "ops.full((dim,), 0.1)" in text and "ops.zeros((dim,))" in text and "nn.init" not in text


def test_legacy_tensor_constructor_with_sizes_and_data(tmp_path, worker):
    text = check(worker, tmp_path, """
        import math
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, n=4):
                super().__init__()
                self.weight = nn.Parameter(torch.Tensor(n, n))
                self.bias = nn.Parameter(torch.Tensor(n))
                self.register_buffer("scale", torch.Tensor([0.5, 1.0, 1.5, 2.0]))
                self.reset_parameters()

            def reset_parameters(self):
                nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
                nn.init.zeros_(self.bias)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return (x @ self.weight + self.bias) * self.scale
        """, "Net", ["float32[2,4]"])
    assert "ops.zeros((n, n))" in text and "ops.zeros((n,))" in text and "torch.Tensor" not in text


def test_isinstance_with_torch_tensor_among_other_types(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def forward(self, x):
                if isinstance(x, (list, torch.Tensor)):
                    x = x * 2
                return x
        """, "Net", ["float32[2,4]"])
    assert "isinstance(x, (list,)) or ops.is_tensor(x)" in text


def test_keras_randint_migrates_to_torch_randint_and_runs():
    import torch

    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(textwrap.dedent("""
        import keras

        class Net(keras.Model):
            def call(self, x):
                return keras.random.randint((2, 3), 2, 5)
        """), Framework.PYTORCH, symbol="Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    scope: dict = {}
    exec(compile(result.text, "net_torch.py", "exec"), scope)
    ids = scope["Net"]()(torch.zeros(2))
    assert tuple(ids.shape) == (2, 3) and ids.dtype == torch.int32 and 2 <= int(ids.min()) and int(ids.max()) < 5


def test_keras_dot_product_attention_to_torch_with_mask_and_bias(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, """
        import keras
        from keras import layers, ops

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.qkv = layers.Dense(24)

            def call(self, x):
                q, k, v = ops.split(ops.reshape(self.qkv(x), (-1, 5, 6, 4)), 3, axis=2)
                causal = ops.dot_product_attention(q, k, v, is_causal=True)
                keep = ops.arange(5)[:, None] >= ops.arange(5)[None, :]
                masked = ops.dot_product_attention(q, k, v, mask=keep, scale=0.3)
                both = ops.dot_product_attention(q, k, v, bias=ops.ones((5, 5)) * 0.1, mask=keep)
                return ops.reshape(causal + masked + both, (-1, 5, 8))
        """, "Net", ["float32[2,5,8]"])
    assert "F.scaled_dot_product_attention(" in result.text
