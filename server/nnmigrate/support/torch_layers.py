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


class KerasPadding(SamePadding):
    """Keras `padding` known only at run time - "valid", "same" or "causal" (all of it before the sequence) - before
    a convolution with padding=0."""

    def __init__(self, padding, kernel_size, stride=1, dilation=1):
        super().__init__(kernel_size, stride, dilation)
        self.padding = padding

    def forward(self, x):
        if self.padding == "same":
            return super().forward(x)
        if self.padding == "causal":
            k, d = (v if isinstance(v, int) else v[0] for v in (self.kernel_size, self.dilation))
            return torch.nn.functional.pad(x, (d * (k - 1), 0))
        return x


class TransposedCrop(nn.Module):
    """Keras `padding="same"` for a transposed convolution where PyTorch padding cannot express it (an odd
    kernel-stride difference, an `output_padding`, or padding chosen at run time): crops the full output of a
    convolution without padding (its `output_padding` the Keras one) to Keras's size, the extra pixel at the end,
    as Keras does. `padding="valid"` keeps the full output. Works on channels-first tensors (N, C, *spatial)."""

    def __init__(self, kernel_size, stride, dilation=1, output_padding=None, padding="same"):
        super().__init__()
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation
        self.output_padding, self.padding = output_padding, padding

    def forward(self, x):
        if self.padding != "same":
            return x
        index = [slice(None), slice(None)]
        for i, size in enumerate(x.shape[2:]):
            k, s, d = (v if isinstance(v, int) else v[i] for v in (self.kernel_size, self.stride, self.dilation))
            extra = self.output_padding if self.output_padding is None or isinstance(self.output_padding, int) \
                else self.output_padding[i]
            span = d * (k - 1) + 1
            full = size - (extra or 0)  # the convolution's output without its output_padding
            steps = (full - span) // s + 1  # the input's size
            length = steps * s if extra is None else (steps - 1) * s + span - 2 * (span // 2) + extra
            start = max(full - length, 0) // 2
            index.append(slice(start, start + length))
        return x[tuple(index)]


class ChannelsLastFlatten(nn.Module):
    """Flattens (N, C, *spatial) in Keras's channels-last order (N, *spatial, C), so the next Linear layer keeps
    the weight rows of the Keras Dense layer it came from."""

    def forward(self, x):
        return torch.flatten(torch.movedim(x, 1, -1), 1)


class Functional(nn.Module):
    """A Keras Functional model as a PyTorch module: `graph` is the builder's dataflow, run as forward.

    Each `Functional.layer(lambda: nn.Conv2d(...))` in the graph creates its module when first called and
    reuses it on later runs (and later calls of the same layer object), the way a Keras builder creates each
    layer once; a layer made after `requires_grad_(False)` is frozen too. `input_shapes` records the shape each input has without the batch axis, as the Keras model
    declared it (channels-first for images; None for a size that may vary).
    """

    _running = []

    def __init__(self, graph, input_shapes=None):
        super().__init__()
        self.graph = graph
        self.input_shapes = input_shapes
        self.built_layers = nn.ModuleList()
        self._made = []  # every layer or function the graph made, in order (functions hold no weights)
        self._next = 0
        self.trainable = True  # whether layers the graph makes later train (`requires_grad_`)

    def requires_grad_(self, requires_grad=True):
        self.trainable = requires_grad
        return super().requires_grad_(requires_grad)

    def forward(self, *inputs):
        self._next = 0
        Functional._running.append(self)
        try:
            return self.graph(*inputs)
        finally:
            Functional._running.pop()

    @classmethod
    def layer(cls, make):
        if not cls._running:  # called outside a Functional model's run: a plain call
            return make()
        model = cls._running[-1]
        taken = []

        def call(*args, **kwargs):  # takes its place when first called, after its inputs' layers, as Keras does
            if not taken:
                if model._next == len(model._made):
                    made = make()
                    if isinstance(made, nn.Module):
                        made.train(model.training)
                        if not model.trainable:
                            made.requires_grad_(False)
                        model.built_layers.append(made)
                    model._made.append(made)
                taken.append(model._made[model._next])
                model._next += 1
            return taken[0](*args, **kwargs)

        return call


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


class LazyGroupNorm(nn.Module):
    """keras.layers.GroupNormalization on channels-first input: nn.GroupNorm with the channel count taken from
    the first input (Keras does not name it)."""

    def __init__(self, num_groups, eps=1e-3, affine=True):
        super().__init__()
        self.num_groups, self.eps, self.affine = num_groups, eps, affine
        self.weight = self.bias = None

    def forward(self, x):
        if self.weight is None and self.affine:
            self.weight = nn.Parameter(torch.ones(x.shape[1], device=x.device))
            self.bias = nn.Parameter(torch.zeros(x.shape[1], device=x.device))
        return nn.functional.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)


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


class Permute(nn.Module):
    """keras.layers.Permute as a module: the input's axes in the order `dims` (batch axis first)."""

    def __init__(self, dims):
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x):
        return x.permute(*self.dims)


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


class LazyRecurrent(nn.Module):
    """keras.layers.LSTM / GRU / SimpleRNN, or Bidirectional around one: `cell` (nn.LSTM, nn.GRU or nn.RNN) with
    batch_first=True, sized from the first input as Keras does, returning what the Keras layer returns.

    Called like the Keras layer: `rnn(x, initial_state=None)`, x (N, L, F); initial_state is the Keras list of
    (N, hidden_size) states, [h] or [h, c], forward then backward when bidirectional. Returns the last output
    (N, H) or, with return_sequences=True, every step (N, L, H); when bidirectional the two directions are joined
    by `merge_mode` ("concat", "sum", "mul", "ave", or None for both). With return_state=True the final states
    follow (h, or h and c; forward, then backward). go_backwards=True reads the sequence from its end and returns
    the steps in that order. `options` go to the torch module (bias=False, nonlinearity="relu").
    """

    def __init__(self, cell, hidden_size, return_sequences=False, return_state=False, go_backwards=False,
                 bidirectional=False, merge_mode="concat", **options):
        super().__init__()
        self.cell, self.hidden_size, self.options = cell, hidden_size, options
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards
        self.bidirectional, self.merge_mode = bidirectional, merge_mode
        self.rnn = None

    def forward(self, x, initial_state=None):
        if self.rnn is None:
            self.rnn = self.cell(x.shape[-1], self.hidden_size, batch_first=True, bidirectional=self.bidirectional,
                                 **self.options).to(x.device)
        per_direction = 2 if isinstance(self.rnn, nn.LSTM) else 1  # (h, c) or (h,)
        hx = None
        if initial_state is not None:  # torch stacks each kind of state over directions: (directions, N, H)
            hx = tuple(torch.stack(list(initial_state[k::per_direction])) for k in range(per_direction))
            hx = hx if per_direction == 2 else hx[0]
        output, states = self.rnn(x.flip(1) if self.go_backwards else x, hx)
        states = states if isinstance(states, tuple) else (states,)
        if self.return_sequences:  # torch puts the backward direction's steps in input order, as Keras does
            output = self._merge(*output.chunk(2 if self.bidirectional else 1, dim=-1))
        else:
            output = self._merge(*states[0])  # each direction's last output is its final h
        if not self.return_state:
            return output
        finals = [state[d] for d in range(len(states[0])) for state in states]
        return (*output, *finals) if isinstance(output, tuple) else (output, *finals)

    def _merge(self, forward, backward=None):
        if backward is None:
            return forward
        if self.merge_mode == "concat":
            return torch.cat([forward, backward], dim=-1)
        if self.merge_mode == "sum":
            return forward + backward
        if self.merge_mode == "mul":
            return forward * backward
        if self.merge_mode == "ave":
            return (forward + backward) / 2
        return forward, backward


class LazyMultiHeadAttention(nn.Module):
    """keras.layers.MultiHeadAttention: `num_heads` heads of size `key_dim` (values: `value_dim`, by default
    `key_dim`), each projection sized from the first call as Keras does.

    Called like the Keras layer: `attn(query, value, key=None, attention_mask=None, return_attention_scores=False,
    use_causal_mask=False)` with batch-first sequences (N, T, E) and key defaulting to value. attention_mask is
    (N, T, S), or broadcastable to it, with True (1) where a query position may attend. Returns the output
    (N, T, output_shape or E) and, with return_attention_scores=True, the attention weights (N, num_heads, T, S).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, bias=True, output_shape=None):
        super().__init__()
        self.num_heads, self.key_dim, self.value_dim, self.bias = num_heads, key_dim, value_dim or key_dim, bias
        self.query_proj = nn.LazyLinear(num_heads * key_dim, bias=bias)
        self.key_proj = nn.LazyLinear(num_heads * key_dim, bias=bias)
        self.value_proj = nn.LazyLinear(num_heads * self.value_dim, bias=bias)
        self.out_proj = nn.LazyLinear(output_shape, bias=bias) if output_shape else None
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
                use_causal_mask=False):
        if self.out_proj is None:  # Keras projects back to the query's size
            self.out_proj = nn.Linear(self.num_heads * self.value_dim, query.shape[-1], bias=self.bias,
                                      device=query.device)
        key = value if key is None else key
        q = self._heads(self.query_proj(query), self.key_dim)  # (N, heads, T, key_dim)
        k = self._heads(self.key_proj(key), self.key_dim)
        v = self._heads(self.value_proj(value), self.value_dim)
        scores = q @ k.transpose(-2, -1) / self.key_dim ** 0.5
        attend = None if attention_mask is None else attention_mask.bool()
        if use_causal_mask:
            causal = torch.ones(query.shape[1], value.shape[1], dtype=torch.bool, device=query.device).tril()
            attend = causal if attend is None else attend & causal
        if attend is not None:
            while attend.dim() < 4:  # one mask for every head
                attend = attend.unsqueeze(-3)
            scores = scores.masked_fill(~attend, -1e9)  # the large negative Keras adds where it does not attend
        weights = scores.softmax(dim=-1)
        output = self.out_proj((self.dropout(weights) @ v).transpose(1, 2).flatten(2))
        return (output, weights) if return_attention_scores else output

    def _heads(self, x, size):
        return x.unflatten(-1, (self.num_heads, size)).transpose(1, 2)


class Dot(nn.Module):
    """keras.layers.Dot: per-sample dot products of two tensors along one axis each (`axes`; never the batch axis).

    With normalize=True each input is first divided by max(its L2 norm, 1e-7) along that axis, as Keras does,
    which makes the result the cosine similarity. A result with only the batch axis gets a trailing axis of 1.
    """

    def __init__(self, axes, normalize=False):
        super().__init__()
        self.axes, self.normalize = axes, normalize

    def forward(self, inputs):
        x, y = inputs
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        x_axis, y_axis = axes[0] % x.ndim, axes[1] % y.ndim
        if self.normalize:
            x = nn.functional.normalize(x, dim=x_axis, eps=1e-7)
            y = nn.functional.normalize(y, dim=y_axis, eps=1e-7)
        x, y = torch.movedim(x, x_axis, -1), torch.movedim(y, y_axis, 1)  # (N, ..., D) and (N, D, ...)
        out = torch.bmm(x.reshape(x.shape[0], -1, x.shape[-1]), y.reshape(y.shape[0], y.shape[1], -1))
        out = out.reshape(*x.shape[:-1], *y.shape[2:])
        return out if out.ndim > 1 else out[:, None]


class LazySeparableConv2d(nn.Module):
    """keras.layers.SeparableConv2D: a depthwise convolution (`depth_multiplier` filters per input channel, no bias)
    followed by a 1x1 pointwise convolution to `out_channels`; stride, padding and dilation belong to the depthwise
    step. Sized from the first input, as Keras does."""

    conv, lazy_conv = nn.Conv2d, nn.LazyConv2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, depth_multiplier=1, dilation=1, bias=True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.depth_multiplier, self.dilation = depth_multiplier, dilation
        self.depthwise = None
        self.pointwise = self.lazy_conv(out_channels, 1, bias=bias)

    def forward(self, x):
        if self.depthwise is None:
            channels = x.shape[1]
            self.depthwise = self.conv(channels, channels * self.depth_multiplier, self.kernel_size, self.stride,
                                       self.padding, self.dilation, groups=channels, bias=False).to(x.device)
        return self.pointwise(self.depthwise(x))


class LazySeparableConv1d(LazySeparableConv2d):
    """keras.layers.SeparableConv1D: LazySeparableConv2d over sequences (N, C, L)."""

    conv, lazy_conv = nn.Conv1d, nn.LazyConv1d


class SameAvgPool(nn.Module):
    """Average pooling like Keras `padding="same"`: the input is padded as SamePadding does (the extra pixel at
    the end) and each window averages only its real values, never the padding. Works on (N, C, *spatial)."""

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride or kernel_size
        self.pad = SamePadding(kernel_size, self.stride)

    def forward(self, x):
        pool = (nn.functional.avg_pool1d, nn.functional.avg_pool2d, nn.functional.avg_pool3d)[x.ndim - 3]
        total = pool(self.pad(x), self.kernel_size, self.stride)
        count = pool(self.pad(torch.ones_like(x[:1, :1])), self.kernel_size, self.stride)
        return total / count


class Lambda(nn.Module):
    """keras.layers.Lambda kept as a module: calls `function` on its input.

    The function was written for Keras's channels-last tensors: with channels_last=True its channels-first input is
    moved to channels-last first, and a result of rank 3 or more is moved back to channels-first.
    """

    def __init__(self, function, channels_last=False):
        super().__init__()
        self.function, self.channels_last = function, channels_last

    def forward(self, x):
        if not self.channels_last:
            return self.function(x)
        out = self.function(torch.movedim(x, 1, -1))
        return torch.movedim(out, -1, 1) if out.ndim >= 3 else out


class ZeroPadding(nn.Module):
    """keras.layers.ZeroPadding1D/2D/3D on channels-first tensors (N, C, *spatial), with `padding` in any Keras
    form: an int, one int per spatial axis, or one (before, after) pair per axis. crop=True removes those amounts
    instead (keras.layers.Cropping1D/2D/3D)."""

    def __init__(self, padding, rank, crop=False):
        super().__init__()
        if isinstance(padding, int):
            pairs = [(padding, padding)] * rank
        elif rank == 1 and all(isinstance(p, int) for p in padding):
            pairs = [tuple(padding)]
        else:
            pairs = [(p, p) if isinstance(p, int) else tuple(p) for p in padding]
        self.pads = [-x if crop else x for pair in reversed(pairs) for x in pair]

    def forward(self, x):
        return nn.functional.pad(x, self.pads)


class Normalization(nn.Module):
    """keras.layers.Normalization over the channel axis (dim 1: (N, C, *spatial) or (N, features)):
    (x - mean) / max(sqrt(variance), 1e-7), or its inverse with invert=True.

    Without `mean` and `variance` they are buffers, sized from the first input, that take the Keras layer's adapted
    statistics.
    """

    def __init__(self, mean=None, variance=None, invert=False):
        super().__init__()
        self.invert = invert
        self.register_buffer("mean", None if mean is None else torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("variance", None if variance is None else torch.as_tensor(variance, dtype=torch.float32))

    def forward(self, x):
        if self.mean is None:
            self.mean = torch.zeros(x.shape[1], device=x.device)
            self.variance = torch.ones(x.shape[1], device=x.device)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mean = self.mean.to(x.device).reshape(shape)
        std = torch.sqrt(self.variance.to(x.device)).clamp_min(1e-7).reshape(shape)
        return x * std + mean if self.invert else (x - mean) / std


def in_train_phase(x, alt, training):
    """Legacy `keras.backend.in_train_phase`: `x` while training, else `alt` (either may be a function making it)."""
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


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
