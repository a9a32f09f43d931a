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
