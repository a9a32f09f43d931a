"""Patterns seen in published PyTorch model code, in small hand-written form: each migrates to Keras and,
where numerics matter, verifies equivalent."""

from __future__ import annotations

import textwrap
from pathlib import Path

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.verify.run import build_request


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def migrate_file(path: Path, symbol: str):
    return migrate_source(path.read_text(), Framework.TENSORFLOW, symbol=symbol, path=str(path))


def verify(worker, src: Path, out_text: str, symbol: str, inputs: list[str], args: dict | None = None,
           tmp: Path | None = None) -> dict:
    out = (tmp or src.parent.parent) / "out" / f"{src.stem}_tf.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(out_text)
    request = build_request(str(src), str(out), symbol, args or {}, inputs, "cpu", "native")
    return worker.verify(request, timeout=300)


PACKAGE = {
    "pkg/__init__.py": "from .net import Net\n",
    "pkg/helpers.py": """
        def exists(v):
            return v is not None
        """,
    "pkg/blocks.py": """
        import torch.nn as nn
        from .helpers import exists

        WIDTH = 4

        def exists(v):  # a different helper under the same name as the main file's
            return v is not None and v is not False

        class Block(nn.Module):
            def __init__(self, dim, norm=None):
                super().__init__()
                self.fc = nn.Linear(dim, WIDTH)
                self.norm = nn.LayerNorm(WIDTH) if exists(norm) else nn.Identity()

            def forward(self, x):
                return self.norm(self.fc(x))
        """,
    "pkg/base.py": """
        import torch.nn as nn

        class Base(nn.Module):
            def head(self, x):
                return x * 2
        """,
    "pkg/net.py": """
        import torch
        from torch import nn
        from .blocks import Block as B
        from pkg import base
        from pkg.base import Base

        def exists(v):
            return v is not None

        class Net(Base):
            def __init__(self, dim):
                super().__init__()
                self.block = B(dim, norm=True)
                self.out = nn.Linear(4, 2)

            def forward(self, x):
                return self.head(self.out(torch.relu(self.block(x))))

        class Other(base.Base):
            def forward(self, x):
                return x
        """,
}


def test_package_imports_are_migrated_into_the_output(tmp_path, worker):
    write_package(tmp_path / "src", PACKAGE)
    src = tmp_path / "src" / "pkg" / "net.py"
    result = migrate_file(src, "Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    text = result.text
    assert "import pkg" not in text and "from ." not in text and "from pkg" not in text
    assert "class Block(keras.layers.Layer)" in text and "class Base(keras.layers.Layer)" in text
    assert "self.block = Block(dim, norm=True)" in text
    assert "def exists_blocks(v)" in text and "if exists_blocks(norm)" in text  # conflicting helper renamed
    assert text.index("class Base(") < text.index("class Net(")
    assert "class Other(Base)" in migrate_file(src, "Other").text  # a model class through a module alias
    report = verify(worker, src, text, "Net", ["float32[3,5]"], {"dim": 5}, tmp_path)
    assert report["status"] == "equivalent", report["message"] + "\n" + text


def test_module_alias_and_reader_diagnostics_point_at_the_import(tmp_path):
    write_package(tmp_path / "src", {
        "tools/__init__.py": "",
        "tools/ops.py": """
            import torch
            import torch.nn as nn

            class Odd(nn.Module):
                def forward(self, x):
                    return torch.special.zeta(x, x)
            """,
        "tools/model.py": """
            import torch.nn as nn
            from tools import ops as o

            class Model(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.odd = o.Odd()

                def forward(self, x):
                    return self.odd(x)
            """,
    })
    result = migrate_file(tmp_path / "src" / "tools" / "model.py", "Model")
    assert "self.odd = Odd()" in result.text and "class Odd(keras.layers.Layer)" in result.text
    [diag] = [d for d in result.diagnostics if d.code == "NNM101"]
    assert diag.range is not None and diag.range.start_line == 3 and "(in ops.py:7)" in diag.message


def test_third_party_imports_stay_imports(tmp_path):
    write_package(tmp_path / "src", {"loose/model.py": """
        import torch.nn as nn
        from einops import rearrange

        class M(nn.Module):
            def forward(self, x):
                return rearrange(x, 'b c -> c b')
        """})
    result = migrate_file(tmp_path / "src" / "loose" / "model.py", "M")
    assert "from einops import rearrange" in result.text


def test_diagnostics_outside_the_symbol_do_not_count(tmp_path):
    source = textwrap.dedent("""
        import torch
        import torch.nn as nn

        class Small(nn.Module):
            def forward(self, x):
                return torch.relu(x)

        class Unrelated(nn.Module):
            def forward(self, x):
                return torch.special.zeta(x, x)
        """)
    assert migrate_source(source, Framework.TENSORFLOW, symbol="Small").exit_code == 0
    assert migrate_source(source, Framework.TENSORFLOW, symbol="Unrelated").exit_code == 3


def check(worker, tmp_path, source: str, symbol: str, inputs: list[str], args: dict | None = None) -> str:
    """Migrates `source` (exit 0 required), verifies it equivalent and returns the migrated text."""
    src = tmp_path / "src" / "model.py"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(textwrap.dedent(source))
    result = migrate_file(src, symbol)
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    report = verify(worker, src, result.text, symbol, inputs, args, tmp_path)
    assert report["status"] == "equivalent", report["message"] + "\n" + result.text
    return result.text


def test_raw_parameter_layer_with_functional_linear_and_inplace_init(tmp_path, worker):
    text = check(worker, tmp_path, """
        import math
        import torch
        from torch import nn
        import torch.nn.functional as F

        class SineLayer(nn.Module):
            def __init__(self, dim_in, dim_out, w0=30.0, use_bias=True):
                super().__init__()
                self.w0 = w0
                weight = torch.zeros(dim_out, dim_in)
                bias = torch.zeros(dim_out) if use_bias else None
                self.init_(weight, bias, math.sqrt(6 / dim_in) / w0)
                self.weight = nn.Parameter(weight)
                self.bias = nn.Parameter(bias) if use_bias else None

            def init_(self, weight, bias, bound):
                weight.uniform_(-bound, bound)
                if bias is not None:
                    bias.uniform_(-bound, bound)

            def forward(self, x):
                return torch.sin(self.w0 * F.linear(x, self.weight, self.bias))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([SineLayer(2, 8), SineLayer(8, 8, w0=1.0)])
                self.scale = nn.Parameter(torch.randn(8))

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return F.linear(x * self.scale, self.layers[1].weight)
        """, "Net", ["float32[4,2]"])
    assert "left out torch weight initialisation" in text


def test_log_space_scan_with_gates(tmp_path, worker):
    check(worker, tmp_path, """
        import torch
        import torch.nn.functional as F
        from torch.nn import Linear, Module

        def log_g(x):
            return torch.where(x >= 0, (F.relu(x) + 0.5).log(), -F.softplus(-x))

        def scan(log_coeffs, log_values):
            a_star = log_coeffs.cumsum(dim=1)
            return (a_star + (log_values - a_star).logcumsumexp(dim=1)).exp()

        class MinGRU(Module):
            def __init__(self, dim):
                super().__init__()
                self.to_hidden_and_gate = Linear(dim, dim * 2, bias=False)

            def forward(self, x, prev=None):
                hidden, gate = self.to_hidden_and_gate(x).chunk(2, dim=-1)
                if x.shape[1] == 1:
                    return torch.lerp(prev, hidden, gate.sigmoid())
                return scan(-F.softplus(gate), -F.softplus(-gate) + log_g(hidden))
        """, "MinGRU", ["float32[2,12,8]"], {"dim": 8})


def test_fourier_grid_normalize_and_repeat(tmp_path, worker):
    check(worker, tmp_path, """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Grid(nn.Module):
            def __init__(self, bands=3):
                super().__init__()
                self.bands = bands
                self.latents = nn.Parameter(torch.randn(4, 6))
                self.register_buffer("eye", torch.eye(6))

            def forward(self, x):
                b, h, w, _ = x.shape
                axes = [torch.linspace(-1.0, 1.0, steps=s) for s in (h, w)]
                pos = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1)
                scales = torch.linspace(1.0, 5.0, self.bands)
                feats = pos.unsqueeze(-1) * scales * 3.14159
                feats = torch.cat([feats.sin(), feats.cos()], dim=-1).reshape(h, w, -1)
                feats = feats.unsqueeze(0).expand(b, -1, -1, -1)
                data = F.normalize(torch.cat([x, feats], dim=-1), p=1, dim=-1)
                lat = self.latents.unsqueeze(0).repeat(b, 1, 1) @ self.eye
                return data.mean(dim=(1, 2)).sum(-1, keepdim=True) + lat.mean(dim=1)
        """, "Grid", ["float32[2,5,4,3]"])


def test_rms_norm_and_glu(tmp_path, worker):
    check(worker, tmp_path, """
        import torch.nn.functional as F
        from torch import nn
        from torch.nn import RMSNorm

        class Block(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.norm = RMSNorm(dim)
                self.norm2 = nn.RMSNorm(dim, eps=1e-5, elementwise_affine=False)
                self.proj = nn.Linear(dim, dim * 4)
                self.glu = nn.GLU(dim=-1)

            def forward(self, x):
                h = self.glu(self.proj(self.norm(x)))
                return F.glu(h, dim=-1) + self.norm2(x)[..., : h.shape[-1] // 2]
        """, "Block", ["float32[2,7,8]"], {"dim": 8})


def test_einops_layers_and_computed_padding(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch.nn.functional as F
        from torch import nn
        from einops import rearrange
        from einops.layers.torch import Rearrange, Reduce

        class CausalShift(nn.Module):
            def __init__(self, kernel_size):
                super().__init__()
                self.padding = (kernel_size - 1, 0)

            def forward(self, x):
                return F.pad(x, self.padding, value=0.0)

        class Head(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(dim, dim * 2), Rearrange('b n (h d) -> b h n d', h=2),
                                         Reduce('b h n d -> b n d', 'mean'))
                self.shift = CausalShift(3)

            def forward(self, x):
                y = self.shift(rearrange(self.net(x), 'b n d -> b d n'))
                return rearrange(y, 'b d n -> b n d')
        """, "Head", ["float32[2,5,4]"], {"dim": 4})
    assert "from einops.layers.keras import Rearrange, Reduce" in text


def test_computed_padding_before_a_convolution(tmp_path, worker):
    check(worker, tmp_path, """
        import torch.nn.functional as F
        from torch import nn

        class DepthWise(nn.Module):
            def __init__(self, dim, kernel_size):
                super().__init__()
                self.padding = (kernel_size // 2, kernel_size // 2 - (kernel_size + 1) % 2)
                self.conv = nn.Conv1d(dim, dim, kernel_size, groups=dim)

            def forward(self, x):
                return self.conv(F.pad(x, self.padding))
        """, "DepthWise", ["float32[2,4,10]"], {"dim": 4, "kernel_size": 4})


def test_annotations_keep_their_imports_and_lose_framework_types():
    source = textwrap.dedent("""
        from typing import Optional
        import torch.nn as nn

        def make(width: int, act: Optional[str] = None) -> nn.Module:
            return nn.Linear(width, width)

        class M(nn.Module):
            def __init__(self, width: Optional[int] = 4):
                super().__init__()
                self.fc = make(width)

            def forward(self, x):
                return self.fc(x)
        """)
    text = migrate_source(source, Framework.TENSORFLOW, symbol="M").text
    assert "from typing import Optional" in text and "def make(width: int, act: Optional[str] = None):" in text


def test_losses_in_forward(tmp_path, worker):
    check(worker, tmp_path, """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class LM(nn.Module):
            def __init__(self, vocab, dim, proj=False):
                super().__init__()
                self.emb = nn.Embedding(vocab, dim)
                self.conv = nn.Conv1d(dim, dim, 1)  # a convolution anywhere makes unknown sub-layers channels-last
                self.proj = nn.Linear(dim, dim) if proj else nn.Identity()
                self.out = nn.Linear(dim, vocab)

            def forward(self, x):
                inp, labels = x[:, :-1], x[:, 1:]
                h = self.emb(inp)
                h = self.conv(h.transpose(1, 2)).transpose(1, 2) + h
                logits = self.out(self.proj(h))
                ce = F.cross_entropy(logits.transpose(1, 2), labels)
                return ce + F.mse_loss(logits, torch.zeros_like(logits), reduction='sum') * 0.01
        """, "LM", ["int64[2,9]<11"], {"vocab": 11, "dim": 6, "proj": True})


def test_masking_with_finfo_and_dtypes(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        from torch.nn.modules.utils import _pair

        class Masked(nn.Module):
            def __init__(self, window=2):
                super().__init__()
                self.window = _pair(window)

            def forward(self, x):
                n = x.shape[-1]
                keep = torch.ones(n, dtype=torch.bool) & (torch.arange(n) < self.window[0] + 1)
                scores = x.masked_fill(~keep, -torch.finfo(x.dtype).max)
                return scores.softmax(dim=-1) + torch.finfo(torch.float32).eps
        """, "Masked", ["float32[2,3,5]"])
    assert "import numpy as np" in text and "np.finfo(keras.backend.standardize_dtype(x.dtype)).max" in text


def test_split_attention_block_from_a_builder(tmp_path, worker):
    text = check(worker, tmp_path, """
        import math
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class SplitConv(nn.Module):
            def __init__(self, channels, radix=2, **kwargs):
                super().__init__()
                self.radix = radix
                self.conv = nn.Conv2d(channels, channels * radix, 3, padding=1, groups=radix, **kwargs)
                self.fc = nn.Conv2d(channels, channels * radix, 1)

            def forward(self, x):
                x = F.relu(self.conv(x))
                rchannel = x.shape[1]
                if self.radix > 1:
                    if torch.__version__ < '1.5':
                        splited = torch.split(x, int(rchannel // self.radix), dim=1)
                    else:
                        splited = torch.split(x, rchannel // self.radix, dim=1)
                    gap = sum(splited)
                else:
                    gap = x
                atten = F.softmax(self.fc(F.adaptive_avg_pool2d(gap, 1)), dim=1)
                attens = torch.split(atten, rchannel // self.radix, dim=1)
                return sum([att * split for (att, split) in zip(attens, splited)])

        class Net(nn.Module):
            def __init__(self, radix=2, norm_layer=nn.BatchNorm2d):
                super().__init__()
                conv_layer = nn.Conv2d
                self.stem = nn.Sequential(conv_layer(3, 8, kernel_size=3, padding=1, bias=False), norm_layer(8))
                if radix >= 1:
                    self.body = SplitConv(8, radix)
                else:
                    self.body = nn.Conv2d(8, 8, 3, padding=1)
                self.head = nn.Linear(8, 4)
                for m in self.modules():
                    if isinstance(m, nn.Conv2d):
                        n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                        m.weight.data.normal_(0, math.sqrt(2. / n))
                    elif isinstance(m, norm_layer):
                        m.weight.data.fill_(1)
                        m.bias.data.zero_()

            def forward(self, x):
                x = self.body(self.stem(x))
                return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

        def net(pretrained=False, **kwargs):
            model = Net(**kwargs)
            if pretrained:
                model.load_state_dict(torch.hub.load_state_dict_from_url('https://example.com/net.pth'))
            return model
        """, "net", ["float32[2,3,8,8]"])
    assert "left out torch weight initialisation: `for m in self.modules():`" in text


def test_custom_autograd_function_with_sort_and_gather(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        from torch import nn
        from torch.autograd import Function

        def ranks_like(x, dim):
            r = torch.arange(1, x.size(dim) + 1, dtype=x.dtype)
            shape = [1] * x.dim()
            shape[0] = -1
            return r.view(shape).transpose(0, dim)

        class SparseNorm(Function):
            @staticmethod
            def forward(ctx, x, dim=-1):
                ctx.dim = dim
                top, _ = x.max(dim=dim, keepdim=True)
                x = x - top
                srt, _ = torch.sort(x, descending=True, dim=dim)
                csum = srt.cumsum(dim) - 1
                support = (ranks_like(x, dim) * srt > csum).sum(dim=dim).unsqueeze(dim)
                tau = csum.gather(dim, support - 1) / support.to(x.dtype)
                out = torch.clamp(x - tau, min=0)
                ctx.save_for_backward(support, out)
                return out

            @staticmethod
            def backward(ctx, grad):
                support, out = ctx.saved_tensors
                return grad * (out > 0), None

        sparse_norm = SparseNorm.apply

        class Selector(nn.Module):
            def __init__(self, dim_in, dim_out):
                super().__init__()
                self.fc = nn.Linear(dim_in, dim_out, bias=False)
                self.unused = nn.BatchNorm1d(dim_out)
                self.scale = torch.sqrt(torch.FloatTensor([0.5]))

            def forward(self, x):
                h = self.fc(x) * self.scale
                return sparse_norm(h, -1) + SparseNorm.apply(h.to(torch.float32) * 2, 1)
        """, "Selector", ["float32[4,6]"], {"dim_in": 6, "dim_out": 5})
    assert "import types" in text and "def backward" not in text


def test_layer_classes_picked_by_name(tmp_path, worker):
    text = check(worker, tmp_path, """
        import torch
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, dims, cin, cout, norm="batch", activation="LeakyReLU", pool="max"):
                super().__init__()
                conv_class = getattr(nn, "Conv{}d".format(dims))
                layers = nn.ModuleList()
                layers.append(conv_class(cin, cout, 3, padding=1, bias=False))
                norm_name = f"{norm.capitalize()}Norm{dims}d"
                layers.append(getattr(nn, norm_name)(cout))
                layers.append(getattr(nn, activation)())
                self.block = nn.Sequential(*layers)
                self.pool = getattr(nn, "%sPool%dd" % (pool.capitalize(), dims))(2)

            def forward(self, x):
                return self.pool(self.block(x))

        class Net(nn.Module):
            def __init__(self, dims=2):
                super().__init__()
                self.blocks = nn.ModuleList()
                for cin, cout in ((3, 4), (4, 6)):
                    self.blocks.append(Block(dims, cin, cout))

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return torch.flatten(x, 1)
        """, "Net", ["float32[2,3,8,8]"])
    assert "getattr(nn" not in text and "'LeakyReLU': lambda: keras.layers.LeakyReLU(negative_slope=0.01)" in text


def test_cached_builders_and_parameters_handed_to_einops(tmp_path, worker):
    text = check(worker, tmp_path, """
        from functools import wraps
        import torch
        from torch import nn, is_tensor
        from einops import repeat

        def cache_fn(f):
            cache = dict()
            @wraps(f)
            def cached_fn(*args, _cache=True, key=None, **kwargs):
                if not _cache:
                    return f(*args, **kwargs)
                nonlocal cache
                if key in cache:
                    return cache[key]
                cache[key] = result = f(*args, **kwargs)
                return result
            return cached_fn

        class Latents(nn.Module):
            def __init__(self, n, dim, depth=3):
                super().__init__()
                self.latents = nn.Parameter(torch.randn(n, dim))
                get_layer = cache_fn(lambda: nn.Linear(dim, dim))
                self.layers = nn.ModuleList([get_layer(_cache=i > 0) for i in range(depth)])

            def forward(self, x):
                lat = repeat(self.latents, 'n d -> b n d', b=x.shape[0])
                for layer in self.layers:
                    lat = layer(lat) + (x.mean(dim=1, keepdim=True) if is_tensor(x) else 0)
                return lat
        """, "Latents", ["float32[2,5,4]"], {"n": 3, "dim": 4})
    assert "nonlocal cache" in text and "repeat(self.latents.value" in text
