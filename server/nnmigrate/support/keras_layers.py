"""Keras layers that keep PyTorch's call contract for ops Keras splits differently (recurrent stacks, attention)."""

import keras


class RecurrentStack(keras.layers.Layer):
    """torch.nn.LSTM / GRU / RNN as a Keras layer: `num_layers` stacked layers, optionally bidirectional.

    Called like the torch module: `output, h_n = rnn(x, h_0)`, and for an LSTM
    `output, (h_n, c_n) = rnn(x, (h_0, c_0))`. x is (L, N, F), or (N, L, F) with batch_first=True;
    output is (L, N, D * units) in the same order (D = 2 when bidirectional, directions concatenated);
    h_n and c_n are (num_layers * D, N, units), layer-major as in torch.
    Weights per layer (forward, then backward): kernel, recurrent_kernel, bias; GRU gates z, r, h with
    reset_after=True. Dropout between layers only applies in training, like torch. `input_size`, when given,
    is the feature size torch's module was built for: an input of another size is an error, as in torch.
    """

    def __init__(self, cell, units, num_layers=1, bidirectional=False, batch_first=False, use_bias=True,
                 activation="tanh", dropout=0.0, input_size=None, **kwargs):
        super().__init__(**kwargs)
        if cell not in ("lstm", "gru", "rnn"):
            raise ValueError(f"cell must be 'lstm', 'gru' or 'rnn'. Received: cell={cell!r}")
        self.cell = cell
        self.units = units
        self.input_size = input_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.batch_first = batch_first
        self.use_bias = use_bias
        self.activation = activation
        self.dropout = dropout
        self.stack = [self._make_layer(i) for i in range(num_layers)]
        self.between = keras.layers.Dropout(dropout)

    @property
    def hidden_size(self):
        """torch's name for `units`."""
        return self.units

    def flatten_parameters(self):
        """torch compacts cuDNN weights here; Keras needs nothing."""

    def get_config(self):
        return {**super().get_config(), "cell": self.cell, "units": self.units, "num_layers": self.num_layers,
                "bidirectional": self.bidirectional, "batch_first": self.batch_first, "use_bias": self.use_bias,
                "activation": self.activation, "dropout": self.dropout, "input_size": self.input_size}

    def _make_layer(self, index):
        options = dict(return_sequences=True, return_state=True, use_bias=self.use_bias, name=f"{self.cell}_{index}")
        if self.cell == "lstm":
            layer = keras.layers.LSTM(self.units, **options)
        elif self.cell == "gru":
            layer = keras.layers.GRU(self.units, reset_after=True, **options)
        else:
            layer = keras.layers.SimpleRNN(self.units, activation=self.activation, **options)
        return keras.layers.Bidirectional(layer, name=f"bidirectional_{index}") if self.bidirectional else layer

    def call(self, inputs, hx=None, training=None):
        if self.input_size is not None and inputs.shape[-1] not in (None, self.input_size):
            raise ValueError(f"Expected input with {self.input_size} features. Received: shape={inputs.shape}")
        x = inputs if self.batch_first else keras.ops.swapaxes(inputs, 0, 1)  # Keras runs batch-major
        per_state = 2 if self.cell == "lstm" else 1  # (h, c) or (h,)
        directions = 2 if self.bidirectional else 1
        given = None if hx is None else (list(hx) if self.cell == "lstm" else [hx])
        finals = [[] for _ in range(per_state)]  # finals[k]: state k of every (layer, direction)
        for index, layer in enumerate(self.stack):
            if index:
                x = self.between(x, training=training)
            initial = None
            if given is not None:
                rows = range(index * directions, (index + 1) * directions)
                initial = [state[row] for row in rows for state in given]
            x, *states = layer(x, initial_state=initial, training=training)
            for position, state in enumerate(states):
                finals[position % per_state].append(state)
        output = x if self.batch_first else keras.ops.swapaxes(x, 0, 1)
        h_n, *c_n = [keras.ops.stack(states, axis=0) for states in finals]
        return (output, (h_n, c_n[0])) if self.cell == "lstm" else (output, h_n)


class TorchStyleAttention(keras.layers.Layer):
    """torch.nn.MultiheadAttention as a Keras layer: keras.layers.MultiHeadAttention behind torch's call contract.

    Called like the torch module: `output, weights = attn(query, key, value, key_padding_mask=None,
    need_weights=True, attn_mask=None, average_attn_weights=True, is_causal=False)`. Sequences are
    (L, N, E), or (N, L, E) with batch_first=True. Masks follow torch: a boolean True blocks a position
    (Keras: True attends); a float mask is additive in torch and is read here as blocking where it is
    -1e4 or lower (-inf, -1e9), so finite biases above that are not applied. attn_mask is (L, S) or
    (N * num_heads, L, S); key_padding_mask is (N, S). weights is (N, L, S) averaged over heads, or
    (N, num_heads, L, S); None when need_weights=False.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, use_bias=True, batch_first=False, **kwargs):
        super().__init__(**kwargs)
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads. Received: {embed_dim=}, {num_heads=}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.batch_first = batch_first
        head_dim = embed_dim // num_heads
        self.attention = keras.layers.MultiHeadAttention(num_heads, key_dim=head_dim, value_dim=head_dim,
                                                         dropout=dropout, use_bias=use_bias, output_shape=embed_dim)

    def get_config(self):
        return {**super().get_config(), "embed_dim": self.embed_dim, "num_heads": self.num_heads,
                "dropout": self.dropout, "use_bias": self.use_bias, "batch_first": self.batch_first}

    def call(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
             average_attn_weights=True, is_causal=False, training=None):
        if not self.batch_first:  # Keras runs batch-major
            query, key, value = (keras.ops.swapaxes(t, 0, 1) for t in (query, key, value))
        mask = self._attend_mask(attn_mask, key_padding_mask)
        result = self.attention(query, value, key=key, attention_mask=mask, use_causal_mask=is_causal,
                                return_attention_scores=need_weights, training=training)
        output, weights = result if need_weights else (result, None)
        if not self.batch_first:
            output = keras.ops.swapaxes(output, 0, 1)
        if weights is not None and average_attn_weights:
            weights = keras.ops.mean(weights, axis=1)
        return output, weights

    def _attend_mask(self, attn_mask, key_padding_mask):
        """torch's masks merged into one Keras mask (True = attend): (1 or N, L, S) or (N, heads, L, S)."""
        attend = None
        if attn_mask is not None:
            attend = self._attends(attn_mask)
            if len(attend.shape) == 3:  # per head: (N * heads, L, S) -> (N, heads, L, S)
                attend = keras.ops.reshape(attend, (-1, self.num_heads, *keras.ops.shape(attend)[1:]))
            else:
                attend = keras.ops.expand_dims(attend, 0)
        if key_padding_mask is not None:
            keep = keras.ops.expand_dims(self._attends(key_padding_mask), 1)  # (N, 1, S)
            if attend is not None and len(attend.shape) == 4:
                keep = keras.ops.expand_dims(keep, 1)
            attend = keep if attend is None else keras.ops.logical_and(attend, keep)
        return attend

    @staticmethod
    def _attends(mask):
        if keras.backend.standardize_dtype(mask.dtype) == "bool":
            return keras.ops.logical_not(mask)
        return keras.ops.greater(mask, -1e4)


class CeilModePadding(keras.layers.Layer):
    """Pads the end of each spatial axis of a channels-last tensor with -inf, so that 'valid' max pooling gives
    PyTorch's `ceil_mode=True` output: a last, partial window wherever one starts inside the input."""

    def __init__(self, pool_size, strides, **kwargs):
        super().__init__(**kwargs)
        self.pool_size, self.strides = pool_size, strides

    def call(self, x):
        widths = [[0, 0]]
        for i, size in enumerate(x.shape[1:-1]):
            k = self.pool_size if isinstance(self.pool_size, int) else self.pool_size[i]
            s = self.strides if isinstance(self.strides, int) else self.strides[i]
            out = -(-(size - k) // s) + 1
            if (out - 1) * s >= size:
                out -= 1
            widths.append([0, max((out - 1) * s + k - size, 0)])
        widths.append([0, 0])
        return keras.ops.pad(x, widths, constant_values=float("-inf"))

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides}


def layer_setting(layer, name):
    """The constructor setting `name` (`filters`, `units`) of `layer`, or of the layer it wraps where a
    migration from PyTorch put it in a Sequential with the padding or cropping torch does inside the layer."""
    for inner in (layer, *getattr(layer, "layers", ())):
        if hasattr(inner, name):
            return getattr(inner, name)
    raise AttributeError(f"{type(layer).__name__} has no setting {name!r}")


def set_items(x, index, value):
    """torch's `x[index] = value` for an immutable tensor: a new tensor, `x` with the elements `x[index]` selects
    replaced by `value` (broadcast to them, cast to the dtype of `x`)."""
    shape = keras.ops.shape(x)
    positions = keras.ops.reshape(keras.ops.arange(keras.ops.size(x)), shape)[index]
    updates = keras.ops.broadcast_to(keras.ops.cast(value, x.dtype), keras.ops.shape(positions))
    flat = keras.ops.scatter_update(keras.ops.reshape(x, (-1,)), keras.ops.reshape(positions, (-1, 1)),
                                    keras.ops.reshape(updates, (-1,)))
    return keras.ops.reshape(flat, shape)


def flatten_dims(x, start_dim, end_dim=-1):
    """torch.flatten: the axes `start_dim` to `end_dim` of `x` merged into one."""
    shape = keras.ops.shape(x)
    start, end = start_dim % len(shape), end_dim % len(shape)
    return keras.ops.reshape(x, (*shape[:start], -1, *shape[end + 1:]))


class Unfold(keras.layers.Layer):
    """torch.nn.Unfold: the sliding blocks of a channels-first batch (N, C, H, W) as (N, C * kh * kw, L),
    each block's values channel-major as in PyTorch; L counts the blocks row by row."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def call(self, inputs):
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
        (kh, kw), (ph, pw) = pair(self.kernel_size), pair(self.padding)
        x = keras.ops.pad(keras.ops.transpose(inputs, (0, 2, 3, 1)), [[0, 0], [ph, ph], [pw, pw], [0, 0]])
        patches = keras.ops.image.extract_patches(x, (kh, kw), strides=pair(self.stride),
                                                  dilation_rate=pair(self.dilation), padding="valid")
        n, oh, ow, _ = keras.ops.shape(patches)
        channels = keras.ops.shape(inputs)[1]
        patches = keras.ops.reshape(patches, (n, oh * ow, kh * kw, channels))  # blocks ordered (kh, kw, C)
        return keras.ops.reshape(keras.ops.transpose(patches, (0, 3, 2, 1)), (n, channels * kh * kw, oh * ow))

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "dilation": self.dilation,
                "padding": self.padding, "stride": self.stride}
