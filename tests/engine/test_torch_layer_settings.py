"""Reads of a built layer's constructor settings (`self.conv.out_channels`) in PyTorch code migrated to Keras:
each becomes the Keras layer's own attribute, through the layer a padding Sequential wraps where needed."""

from __future__ import annotations

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
