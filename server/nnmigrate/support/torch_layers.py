"""Support modules written into migrated PyTorch code where Keras behaviour has no single torch layer.

Each class is copied verbatim into the migrated module when used, so it must only need `torch` and `nn`.
"""

import torch
from torch import nn


class SamePadding(nn.Module):
    """Zero padding like Keras `padding="same"` at any stride: the total is split with the extra pixel at the end.

    Works on channels-first tensors (N, C, *spatial); put it before a convolution or pooling with padding=0.
    """

    def __init__(self, kernel_size, stride=1, dilation=1, value=0.0):
        super().__init__()
        self.kernel_size, self.stride, self.dilation, self.value = kernel_size, stride, dilation, value

    def forward(self, x):
        pads = []
        spatial = x.shape[2:]
        for i in reversed(range(len(spatial))):
            k, s, d = (v if isinstance(v, int) else v[i] for v in (self.kernel_size, self.stride, self.dilation))
            size = spatial[i]
            total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        return torch.nn.functional.pad(x, pads, value=self.value)


class ChannelsLastFlatten(nn.Module):
    """Flattens (N, C, *spatial) in Keras's channels-last order (N, *spatial, C), so the next Linear layer keeps
    the weight rows of the Keras Dense layer it came from."""

    def forward(self, x):
        return torch.flatten(torch.movedim(x, 1, -1), 1)


class Functional(nn.Module):
    """A Keras Functional model as a PyTorch module: `graph` is the builder's dataflow, run as forward.

    Each `Functional.layer(lambda: nn.Conv2d(...))` in the graph creates its module on the first call and
    reuses it on later calls, in call order, the way a Keras builder creates each layer once.
    """

    _running = []

    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.built_layers = nn.ModuleList()
        self._next = 0

    def forward(self, *inputs):
        self._next = 0
        Functional._running.append(self)
        try:
            return self.graph(*inputs)
        finally:
            Functional._running.pop()

    @classmethod
    def layer(cls, make):
        model = cls._running[-1]
        if model._next == len(model.built_layers):
            module = make()
            module.train(model.training)
            model.built_layers.append(module)
        module = model.built_layers[model._next]
        model._next += 1
        return module


class Activation(nn.Module):
    """A Keras activation chosen by name at run time (`activation=some_variable`), e.g. Activation("softmax"),
    or a function of its own (`activation=my_function`).

    Softmax-like activations act on `dim` (Keras: the last axis; 1 for channels-first feature maps).
    """

    FUNCTIONS = {
        "relu": torch.relu, "relu6": nn.functional.relu6, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
        "gelu": nn.functional.gelu, "silu": nn.functional.silu, "swish": nn.functional.silu, "elu": nn.functional.elu,
        "selu": torch.selu, "softplus": nn.functional.softplus, "softsign": nn.functional.softsign,
        "hard_sigmoid": nn.functional.hardsigmoid, "hard_silu": nn.functional.hardswish,
        "hard_swish": nn.functional.hardswish, "mish": nn.functional.mish, "exponential": torch.exp,
        "leaky_relu": lambda x: nn.functional.leaky_relu(x, 0.2), "linear": lambda x: x,
    }

    def __init__(self, name, dim=-1):
        super().__init__()
        self.name, self.dim = name or "linear", dim

    def forward(self, x):
        if callable(self.name):  # a function given instead of a name
            return self.name(x)
        if self.name == "softmax":
            return torch.softmax(x, self.dim)
        if self.name == "log_softmax":
            return torch.log_softmax(x, self.dim)
        return self.FUNCTIONS[self.name](x)


class LazyLayerNorm(nn.Module):
    """keras.layers.LayerNormalization over the last axis: like nn.LayerNorm, with the size taken from the
    first input (Keras does not name it)."""

    def __init__(self, eps=1e-3, center=True, scale=True):
        super().__init__()
        self.eps, self.center, self.scale = eps, center, scale
        self.weight = self.bias = None

    def forward(self, x):
        if self.weight is None and self.scale:
            self.weight = nn.Parameter(torch.ones(x.shape[-1], device=x.device))
        if self.bias is None and self.center:
            self.bias = nn.Parameter(torch.zeros(x.shape[-1], device=x.device))
        return nn.functional.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)


class Rescaling(nn.Module):
    """keras.layers.Rescaling: x * scale + offset."""

    def __init__(self, scale, offset=0.0):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x):
        return x * self.scale + self.offset


class Reshape(nn.Module):
    """keras.layers.Reshape: the batch axis is kept, the rest takes `shape` (-1 allowed)."""

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class LazyDepthwiseConv2d(nn.Module):
    """keras.layers.DepthwiseConv2D: `depth_multiplier` filters per input channel (a grouped convolution with
    groups = channels), sized from the first input as Keras does."""

    def __init__(self, kernel_size, stride=1, padding=0, depth_multiplier=1, dilation=1, bias=True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.depth_multiplier, self.dilation, self.bias = depth_multiplier, dilation, bias
        self.conv = None

    def forward(self, x):
        if self.conv is None:
            channels = x.shape[1]
            self.conv = nn.Conv2d(channels, channels * self.depth_multiplier, self.kernel_size, self.stride,
                                  self.padding, self.dilation, groups=channels, bias=self.bias).to(x.device)
        return self.conv(x)


def batch_dot(x, y, axes=None):
    """Legacy `keras.backend.batch_dot`: for each sample, the dot product of `x` and `y` over `axes` (by default
    the last axis of `x` with the second-to-last of `y`, or with the last when `y` is a matrix)."""
    x_ndim, y_ndim = x.dim(), y.dim()
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x_ndim - 1, y_ndim - 1 if y_ndim == 2 else y_ndim - 2)
    a0, a1 = axes[0] % x_ndim, axes[1] % y_ndim
    if x_ndim == 2:
        x, a0 = x.unsqueeze(1), a0 + 1
    if y_ndim == 2:
        y = y.unsqueeze(2)
    x, y = torch.movedim(x, a0, -1), torch.movedim(y, a1, 1)
    x_mid, y_tail = x.shape[1:-1], y.shape[2:]
    out = torch.matmul(x.reshape(x.shape[0], -1, x.shape[-1]), y.reshape(y.shape[0], y.shape[1], -1))
    out = out.reshape(out.shape[0], *x_mid, *y_tail)
    if x_ndim == 2:
        return out.squeeze(1)
    return out.squeeze(-1) if y_ndim == 2 else out
