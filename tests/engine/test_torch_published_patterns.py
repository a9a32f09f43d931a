"""PyTorch constructs found in published model packages (layer settings read back, raw weights handed to
einops, lambdas mapped over tensors, classes picked by a flag, classmethod builders, package names bound
inside an `if`, subclasses of torch layer classes), in small hand-written form: each migrates to Keras and
verifies equivalent, or is reported with a marker."""

from __future__ import annotations

import textwrap

from tests.engine.test_realworld_patterns import check


def test_settings_of_built_layers_size_the_next_ones(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        import torch.nn as nn

        class ConvBlock(nn.Module):
            def __init__(self, dims, cin, cout, padding=1):
                super().__init__()
                conv_class = getattr(nn, "Conv%dd" % dims)
                self.conv_layer = conv_class(cin, cout, kernel_size=3, padding=padding)
                self.norm = nn.BatchNorm2d(self.conv_layer.out_channels)

            def forward(self, x):
                return torch.relu(self.norm(self.conv_layer(x)))

        class Stage(nn.Module):
            def __init__(self, cin, cout):
                super().__init__()
                self.first = ConvBlock(2, cin, cout)
                self.second = ConvBlock(2, self.first.conv_layer.out_channels, cout * 2)
                self.convs = nn.ModuleList([nn.Conv2d(cout * 2, cout, 1), nn.Conv2d(cout, cout, 1)])

            @property
            def out_channels(self):
                return self.convs[-1].out_channels

            def forward(self, x):
                x = self.second(self.first(x))
                for conv in self.convs:
                    x = conv(x)
                return x

        class Net(nn.Module):
            def __init__(self, vocab=11):
                super().__init__()
                self.stage = Stage(3, 4)
                self.pool = nn.AdaptiveAvgPool2d(1)
                self.fc = nn.Linear(self.stage.out_channels, 6)
                self.embed = nn.Embedding(vocab, self.fc.out_features)
                self.head = nn.Linear(self.embed.embedding_dim, self.embed.num_embeddings + self.embed.embedding_dim)

            def forward(self, x):
                features = self.fc(torch.flatten(self.pool(self.stage(x)), 1))
                return self.head(features)
        """, "Net", ["float32[2,3,8,8]"])
    assert "layer_setting(self.first.conv_layer, 'filters')" in text
    assert "self.fc.units" in text and "self.embed.output_dim" in text and "self.embed.input_dim" in text
    assert "return self.convs[-1].filters" in text


def test_raw_weights_bound_to_locals_reach_einops_and_in_place_ops_on_temporaries(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn, einsum
        from einops import rearrange

        class SpatialGate(nn.Module):
            def __init__(self, dim, seq_len, heads=2):
                super().__init__()
                self.heads = heads
                self.norm = nn.LayerNorm(dim // 2)
                self.weight = nn.Parameter(torch.randn(heads, seq_len, seq_len) * 0.1)
                self.bias = nn.Parameter(torch.ones(heads, seq_len))

            def forward(self, x):
                n = x.shape[1]
                res, gate = x.chunk(2, dim=-1)
                gate = self.norm(gate)
                weight, bias = self.weight, self.bias
                weight = weight[:, :n, :n]
                mask = torch.ones(weight.shape[-2:], device=x.device).triu_(1).bool()
                weight = weight.masked_fill(rearrange(mask, "i j -> () i j"), 0.)
                gate = rearrange(gate, "b n (h d) -> b h n d", h=self.heads)
                gate = einsum("b h n d, h m n -> b h m d", gate, weight)
                gate = gate + rearrange(bias, "h n -> () h n ()")
                return rearrange(gate, "b h n d -> b n (h d)") * res
        """, "SpatialGate", ["float32[2,6,8]"], {"dim": 8, "seq_len": 6})
    assert "weight, bias = self.weight.value, self.bias.value" in text
    assert "ops.triu(ops.ones(" in text


def test_lambda_mapped_over_moved_tensors_and_a_class_chosen_by_a_flag(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        from einops import rearrange

        class AbsBias(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(dim))

            def forward(self, q):
                return (q * self.scale).sum(dim=-1, keepdim=True)

        class RelBias(AbsBias):
            def forward(self, q):
                return (q * self.scale).mean(dim=-1, keepdim=True)

        class Attention(nn.Module):
            def __init__(self, dim, heads=2, relative=True):
                super().__init__()
                self.heads = heads
                self.to_qkv = nn.Conv2d(dim, dim * 3, 1, bias=False)
                bias_class = AbsBias if not relative else RelBias
                self.bias = bias_class(dim // heads)

            def forward(self, fmap):
                b, c, h, w = fmap.shape
                q, k, v = self.to_qkv(fmap).chunk(3, dim=1)
                q, k, v = map(lambda t: rearrange(t, "b (h d) x y -> b h (x y) d", h=self.heads), (q, k, v))
                sim = torch.einsum("b h i d, b h j d -> b h i j", q, k) + self.bias(q)
                out = torch.einsum("b h i j, b h j d -> b h i d", sim.softmax(dim=-1), v)
                return rearrange(out, "b h (x y) d -> b (h d) x y", x=h, y=w)
        """, "Attention", ["float32[2,8,4,4]"], {"dim": 8})
    assert "lambda t: rearrange(ops.transpose(t, (0, 3, 1, 2))" in text
    assert "self.bias(q)" in text


def test_classmethod_builder_symbol_migrates_its_class_and_str_methods_stay(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, width, classes):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(4, width), nn.ReLU(), nn.Linear(width, classes))

            @classmethod
            def from_name(cls, name, classes=3):
                return cls(int(name.split("-")[-1]), classes)

            def forward(self, x):
                return self.body(x)
        """, "Net.from_name", ["float32[2,4]"], {"name": "net-8"})
    assert "def from_name(cls, name, classes=3):" in text and "name.split('-')" in text


def test_subclass_of_a_torch_layer_class_is_reported_with_a_marker():
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(textwrap.dedent("""
        import torch.nn.functional as F
        from torch import nn

        class SameConv(nn.Conv2d):
            def forward(self, x):
                return F.conv2d(F.pad(x, (1, 1, 1, 1)), self.weight, self.bias)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = SameConv(3, 4, 3)

            def forward(self, x):
                return self.conv(x)
        """), Framework.TENSORFLOW, symbol="Net")
    assert result.exit_code == 3
    derived = [d for d in result.diagnostics if d.code == "NNM103" and "torch.nn.Conv2d" in d.message]
    assert derived and derived[0].range.start_line == 5
    assert "# TODO(nnmigrate): not migrated: `SameConv` derives from the layer class `torch.nn.Conv2d`" in result.text


def test_package_name_bound_inside_an_if_stays_an_absolute_import(tmp_path):
    from tests.engine.test_realworld_patterns import migrate_file, write_package

    write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/acts.py": """
            from torch import nn

            if hasattr(nn, "SiLU"):
                Swish = nn.SiLU
            else:
                class Swish(nn.Module):
                    def forward(self, x):
                        return x * x.sigmoid()

            def width(x):
                return 2 * x
            """,
        "pkg/net.py": """
            from torch import nn
            from .acts import Swish, width

            class Net(nn.Module):
                def __init__(self, silu=False):
                    super().__init__()
                    self.fc = nn.Linear(4, width(3))
                    self.act = Swish() if silu else nn.Identity()

                def forward(self, x):
                    return self.act(self.fc(x))
            """,
    })
    result = migrate_file(tmp_path / "pkg" / "net.py", "Net")
    assert "from pkg.acts import Swish" in result.text and "from ." not in result.text
    assert "def width(x):" in result.text
    assert any(d.code == "NNM103" and "`Swish` is not defined at the top level of pkg.acts" in d.message
               for d in result.diagnostics)


def test_integer_tensors_promote_as_in_torch(tmp_path, worker):
    text = check(worker, tmp_path, """
        import math
        import torch
        from torch import nn

        def sinusoidal(n, dim, temperature=10000):
            y, x = torch.meshgrid(torch.arange(n), torch.arange(2), indexing="ij")
            half = dim // 4
            omega = torch.arange(half) / (half - 1)
            omega = 1.0 / (temperature ** omega)
            emb = math.log(temperature) / (half - 1)
            emb = torch.exp(torch.arange(half) * -emb)
            y = y.flatten()[:, None] * omega[None, :]
            x = x.flatten()[:, None] * emb[None, :]
            return torch.cat((y.sin(), x.cos()), dim=1).type(torch.float32)

        class Net(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.proj = nn.Linear(dim, dim)

            def forward(self, x):
                b, n, d = x.shape
                steps = torch.arange(n, device=x.device)
                scale = (steps + 1) / n
                idx = (steps * 3 + 1) % n
                pos = sinusoidal(n, d).reshape(n, 2, d // 2).flatten(1)[:n]
                return self.proj(x + pos) * scale[None, :, None] + idx[None, :, None] * 0.5
        """, "Net", ["float32[2,6,8]"], {"dim": 8})
    assert "ops.cast(ops.arange(half), 'float32') / (half - 1)" in text
    assert "idx = (steps * 3 + 1) % n" in text and "ops.cast(idx[None, :, None], 'float32') * 0.5" in text


def test_feature_map_rearranged_back_in_a_sequential_meets_the_next_conv_layers(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        from einops import rearrange

        class MixHeads(nn.Module):
            def __init__(self, dim, heads=2):
                super().__init__()
                self.heads = heads
                self.to_v = nn.Conv2d(dim, dim, 1, bias=False)

            def forward(self, fmap):
                b, c, h, w = fmap.shape
                v = rearrange(self.to_v(fmap), "b (h d) x y -> b h (x y) d", h=self.heads)
                v = v.softmax(dim=-2) * v
                return rearrange(v, "b h (x y) d -> b (h d) x y", x=h, y=w)

        class Block(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.net = nn.Sequential(nn.Conv2d(dim, dim, 1), nn.BatchNorm2d(dim), MixHeads(dim),
                                         nn.AvgPool2d(2), nn.BatchNorm2d(dim), nn.ReLU())

            def forward(self, x):
                return self.net(x)
        """, "Block", ["float32[2,4,6,6]"], {"dim": 4})
    assert "return ops.transpose(rearrange(" in text


def test_unfold_patches_and_blocks_kept_in_nested_local_lists(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        import torch.nn.functional as F
        from einops import rearrange

        class ChannelNorm(nn.Module):
            def __init__(self, dim, eps=1e-5):
                super().__init__()
                self.eps = eps
                self.g = nn.Parameter(torch.ones(1, dim, 1, 1))

            def forward(self, x):
                std = torch.var(x, dim=1, unbiased=False, keepdim=True).sqrt()
                return (x - x.mean(dim=1, keepdim=True)) / (std + self.eps) * self.g

        class PreNorm(nn.Module):
            def __init__(self, dim, fn):
                super().__init__()
                self.fn = fn
                self.norm = ChannelNorm(dim)

            def forward(self, x):
                return self.fn(self.norm(x))

        class Mix(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.to_q = nn.Conv2d(dim, dim, 1, bias=False)
                self.to_kv = nn.Conv2d(dim, dim * 2, 2, stride=2, bias=False)

            def forward(self, x):
                h, w = x.shape[-2:]
                q, k, v = (self.to_q(x), *self.to_kv(x).chunk(2, dim=1))
                q, k, v = map(lambda t: rearrange(t, "b c x y -> b (x y) c"), (q, k, v))
                attn = torch.einsum("b i d, b j d -> b i j", q, k).softmax(dim=-1)
                out = torch.einsum("b i j, b j d -> b i d", attn, v)
                return rearrange(out, "b (x y) c -> b c x y", x=h, y=w)

        class FeedForward(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.net = nn.Sequential(nn.Conv2d(dim, dim, 1), nn.GELU())

            def forward(self, x):
                return self.net(x)

        class Net(nn.Module):
            def __init__(self, dims=(3, 8, 8)):
                super().__init__()
                self.stages = nn.ModuleList([])
                for dim_in, dim_out in zip(dims[:-1], dims[1:]):
                    layers = nn.ModuleList([])
                    layers.append(nn.ModuleList([PreNorm(dim_out, Mix(dim_out)), FeedForward(dim_out)]))
                    self.stages.append(nn.ModuleList([nn.Unfold(3, stride=2, padding=1),
                                                      nn.Conv2d(dim_in * 9, dim_out, 1), layers]))

            def forward(self, x):
                outputs = []
                for unfold, embed, layers in self.stages:
                    h = x.shape[-2]
                    x = rearrange(unfold(x), "b c (h w) -> b c h w", h=(h + 1) // 2)
                    x = embed(x)
                    for attn, ff in layers:
                        x = attn(x) + x
                        x = ff(x) + x
                    outputs.append(x)
                pooled = [F.adaptive_avg_pool2d(o, 1) for o in outputs]
                return torch.cat(pooled, dim=1).flatten(1) + F.unfold(x, 2, stride=2).mean(dim=-1)[:, :16]
        """, "Net", ["float32[2,3,8,8]"])
    assert "Unfold(3, padding=1, stride=2)" in text
