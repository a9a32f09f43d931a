"""PyTorch code where one name or expression takes values of different kinds (a feature map or the list of
them, `x if flag else outputs`), lists grown in loops, tensors indexed by tensors, flattened calls and weights
read from built layers: each migrates to Keras and verifies equivalent."""

from __future__ import annotations

import re

from tests.engine.test_realworld_patterns import check


def test_tensor_or_list_of_stage_outputs_keeps_the_channel_axis_for_the_decoder(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self, dims=(4, 6)):
                super().__init__()
                self.stages = nn.ModuleList([])
                cin = 3
                for d in dims:
                    self.stages.append(nn.Conv2d(cin, d, 3, stride=2, padding=1))
                    cin = d

            def forward(self, x, return_layer_outputs=False):
                layer_outputs = []
                for stage in self.stages:
                    x = stage(x)
                    layer_outputs.append(x)
                ret = x if not return_layer_outputs else layer_outputs
                return ret

        class Net(nn.Module):
            def __init__(self, dims=(4, 6)):
                super().__init__()
                self.encoder = Encoder(dims)
                self.to_fused = nn.ModuleList([nn.Sequential(nn.Conv2d(d, 5, 1), nn.Upsample(scale_factor=2 ** i))
                                               for i, d in enumerate(dims)])
                self.head = nn.Conv2d(10, 2, 1)

            def forward(self, x):
                outputs = self.encoder(x, return_layer_outputs=True)
                fused = [f(o) for o, f in zip(outputs, self.to_fused)]
                fused = torch.cat(fused, dim=1)
                return self.head(fused)
        """, "Net", ["float32[2,3,16,16]"])
    assert "ops.concatenate(fused, axis=-1)" in text


def test_branches_binding_a_pooled_vector_or_a_list_of_feature_maps_meet_in_the_source_layout(tmp_path, worker):
    check(worker, tmp_path, """
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(3, 4, 3, padding=1)
                self.b = nn.Conv2d(4, 4, 3, stride=2, padding=1)

            def forward(self, x, pooled=False):
                x = self.a(x)
                feats = [x]
                x = self.b(x)
                feats.append(x)
                if pooled:
                    out = x.mean(dim=(2, 3))
                else:
                    out = feats
                early = x.mean(dim=1) if pooled else x
                return out, early

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = Encoder()
                self.head = nn.Conv2d(8, 2, 1)

            def forward(self, x):
                feats, early = self.enc(x)
                up = nn.functional.interpolate(feats[1], scale_factor=2.0)
                joined = torch.cat([feats[0], up], dim=1)
                return self.head(joined) + early[:, :2].mean()
        """, "Net", ["float32[2,3,16,16]"])


def test_a_branch_that_returns_early_does_not_decide_the_layout_after_it(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1)
                self.out = nn.Conv2d(4, 2, 1)

            def forward(self, x, features_only=False):
                x = self.conv(x)
                if features_only:
                    return x
                else:
                    x = x.reshape(x.shape[0], 4, 8, 8) * 0.5
                y = torch.cat([x, x * 2], dim=1)
                return self.out(y[:, :4])
        """, "Net", ["float32[2,3,8,8]"])
    assert re.search(r"return x\n\s+else:", text)  # nothing unreachable written after the early return


def test_flattening_an_expression_runs_its_layers_once(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1)
                self.pool = nn.AdaptiveAvgPool2d(2)
                self.fc = nn.Linear(16, 5)
                self.proj = nn.Linear(64, 5)

            def forward(self, x):
                y = self.fc(torch.flatten(self.pool(self.conv(x)), 1))
                tokens = self.conv(x).flatten(2)
                return y + self.proj(tokens).mean(dim=1)
        """, "Net", ["float32[2,3,8,8]"])
    call = text[text.index("def call"):]
    assert call.count("self.conv(") == 2 and call.count("self.pool(") == 1
    assert "def flatten_dims(" in text


def test_indexing_with_tensors_and_lists_of_indices_takes_along_that_axis(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, n=6):
                super().__init__()
                self.proj = nn.Linear(4, 4)
                self.register_buffer("order", torch.tensor([5, 0, 3, 1, 2, 4]))
                self.table = nn.Parameter(torch.randn(10, 4))

            def forward(self, x):
                x = self.proj(x)
                idx = torch.argmax(x, dim=-1)
                shuffled = x[:, self.order]
                first = x[:, idx[0]]
                bias = self.table[torch.arange(6)]
                picked = x[..., [0, 2, 1, 3]]
                return shuffled + first + bias + picked + x[0]
        """, "Net", ["float32[2,6,4]"])
    assert "ops.take(x, self.order, axis=1)" in text and "ops.take(x, [0, 2, 1, 3], axis=-1)" in text
    assert "x[0]" in text


def test_parameters_read_from_built_layers_are_the_keras_variables_in_torch_axis_order(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self, vocab=20, dim=8):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.fc = nn.Linear(dim, dim)
                self.norm = nn.LayerNorm(dim)
                self.conv = nn.Conv2d(dim, 4, 3, padding=1)
                self.bn = nn.BatchNorm2d(4)
                nn.init.zeros_(self.fc.bias)

            def forward(self, tokens):
                x = self.embed(tokens)
                x = F.linear(x, self.fc.weight, self.fc.bias) + x @ self.fc.weight.t()
                x = self.norm(x) * self.norm.weight + self.norm.bias
                kernel = self.conv.weight.mean(dim=(2, 3))
                image = self.bn(self.conv(x.reshape(2, 8, 5, 1).expand(-1, -1, -1, 3)))
                scale = self.bn.weight / torch.sqrt(self.bn.running_var + 1e-5)
                image = image * scale[None, :, None, None] + self.bn.running_mean.view(1, -1, 1, 1)
                return x @ self.embed.weight.t() + (x @ kernel.t()).sum() + image.mean()
        """, "Net", ["int64[2,5]<20"])
    assert "self.embed.embeddings" in text and "self.norm.gamma" in text and "self.bn.moving_variance" in text
    assert "self.fc.build((None, dim))" in text  # read, never called: built where it is constructed


def test_a_pair_of_tensors_in_different_layouts_meets_the_other_branch_item_by_item(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1)

            def forward(self, x, flag=False):
                y = self.conv(x)
                pair = (y, y.mean(dim=1))
                if flag:
                    pair = (y * 2, y.sum(dim=1))
                else:
                    pair = (pair[0].reshape(2, 4, 8, 8), pair[1])
                a, b = pair
                return a[:, :2] + b[:, None]
        """, "Net", ["float32[2,3,8,8]"])
    assert "pair = ops.transpose(pair[0], (0, 3, 1, 2)), pair[1]" in text  # the moved item only
