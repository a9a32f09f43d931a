"""Catalog data types: one frozen `OpEntry` per op, with spellings, canonical attributes and rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from nnmigrate.shapes.view import ShapeView
    from nnmigrate.writers.emit import OpView

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()

Framework = Literal["torch", "keras"]


@dataclass(frozen=True, slots=True)
class Attr:
    """A canonical attribute with each framework's default (`REQUIRED` when the framework has none)."""

    name: str
    torch: Any = REQUIRED
    keras: Any = REQUIRED
    doc: str = ""
    #: the Keras layer attribute that holds the same value (`out_channels` -> `filters`, `kernel_size` ->
    #: `kernel_size`): what a migrated model reads for it; None where the Keras layer does not keep it
    keras_attr: str | None = None


@dataclass(frozen=True, slots=True)
class Spelling:
    """One way a framework spells the op.

    Attributes:
        qualname: fully qualified callee (`torch.nn.Conv2d`, `torch.nn.functional.relu`), or
            `Tensor.view` for a tensor method, `Tensor.shape` for a tensor attribute.
        params: the spelling's positional parameters, as canonical attribute names, in order.
        rename: the spelling's keyword names that differ from the canonical ones.
        fixed: canonical attributes implied by the spelling itself (`nn.LazyLinear` -> lazy=True).
        varargs: canonical attribute that collects extra positionals (`x.view(2, 3)` -> shape).
        deprecated: readers accept it, writers never emit it.
        when: for a callee several entries share, the argument values that select this spelling: parameter name
            -> a constant or a qualified name (`LazyRecurrent(nn.LSTM, ...)`: {"cell": "torch.nn.LSTM"}). Those
            parameters pick the entry and are no attributes.
    """

    qualname: str
    params: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    varargs: str | None = None
    varkw: str | None = None  # canonical attribute that collects extra keywords (einops axis lengths), as a dict
    deprecated: bool = False
    when: Mapping[str, Any] = field(default_factory=dict)
    layer: bool = False  # a layer class: constructed once, called later with its inputs
    #: per canonical attribute, how a value spelled this way becomes canonical (torch) semantics,
    #: e.g. Keras BatchNormalization momentum m -> 1 - m
    convert: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    @property
    def is_support(self) -> bool:
        """A support class of nnmigrate, as a migrated module carries it (never written: emitters build it)."""
        return self.qualname.startswith("nnmigrate.support.")

    @property
    def is_method(self) -> bool:
        return self.qualname.startswith("Tensor.")


@dataclass(frozen=True, slots=True)
class LayoutRule:
    """How an op behaves when its input is channels-first in the source and channels-last in the target.

    kind:
        channels: needs the channels-last input and produces channels-last output (conv, pool, norm).
        elementwise: works in whatever layout its tensor inputs share; output keeps it.
        axis: `axes` attributes are axis numbers to remap; `keepdim` names the attribute that keeps rank
            (also on channels ops such as global pooling: when it is False the output is (N, C)).
        opaque: needs source layout: channels-last inputs are transposed back first.
        permute: a pure axis permutation (`permutation` gives it from the op's attributes and the input's rank,
            None when they do not make one): one that only moves the channel axis between the frameworks' places
            relabels the layout instead of moving data, one that undoes the layout move is the stored data as it
            is, another permutes the stored data once; otherwise as opaque.
        none: takes no tensor input (creation ops, shape queries handled by the writer).
    """

    kind: Literal["channels", "elementwise", "axis", "opaque", "permute", "none"]
    axes: tuple[str, ...] = ()
    keepdim: str | None = None
    tensor_inputs: tuple[str, ...] = ("input",)
    #: built where its call site is unknown (a layer list filled in a loop), in a model with convolutions,
    #: its input is taken to come from them (BatchNorm's axis, Flatten's order)
    spatial_input: bool = False
    permutation: Callable[[Any, int], tuple[int, ...] | None] | None = None  # kind permute: (op, rank) -> axis order


@dataclass(frozen=True, slots=True)
class VariableRead:
    """Where the Keras layer keeps a torch parameter or buffer that code reads (`fc.weight`): its variable's
    attribute `name`, and the axis order `perm` that gives the torch tensor from it (None: the same)."""

    name: str
    perm: tuple[int, ...] | None = None


def fixed_reads(**reads: VariableRead) -> Callable[["OpView"], Mapping[str, VariableRead]]:
    """`WeightRule.reads` for a layer whose Keras form keeps its variables the same way whatever its settings."""
    return lambda view: reads


@dataclass(frozen=True, slots=True)
class WeightRule:
    """Turns a torch module's parameters and buffers (numpy arrays by name) into the Keras layer's
    `get_weights()` list, in order (None for an op only Keras spells)."""

    convert: Callable[[Mapping[str, Any], Mapping[str, Any]], list[Any]] | None
    doc: str = ""
    #: the inverse: a Keras layer's `get_weights()` list -> torch parameter and buffer arrays by name
    to_torch: Callable[[list[Any], Mapping[str, Any]], dict[str, Any]] | None = None
    #: the torch parameters and buffers code may read from the built layer, by name, for the layer's
    #: construction (its Keras form may keep them differently): read as the Keras layer's variables
    reads: Callable[["OpView"], Mapping[str, VariableRead]] | None = None
    #: the input shape (None for an axis of any size) the Keras layer is built for where code reads its variables
    #: before calling it (or never calls it); None where the construction does not tell
    build_shape: Callable[["OpView"], Any] | None = None


@dataclass(frozen=True, slots=True)
class ShapeRule:
    """The op's static shape behaviour, read by `nnmigrate.shapes` (never by running code).

    output: the output shape (a `Shape`, None when unknown) from the attributes and input shapes.
    implicit: sizes the source may leave implicit (Keras infers them from the input; PyTorch constructors
        need them): attribute -> the input size it equals (`in_channels` -> the channel axis).
    """

    output: Callable[["ShapeView"], Any]
    implicit: Mapping[str, Callable[["ShapeView"], Any]] = field(default_factory=dict)


Emitter = Callable[["OpView"], Any]


@dataclass(frozen=True, slots=True)
class OpEntry:
    """Everything nnmigrate knows about one op. Readers, writers, hover and verify read only this."""

    key: str
    family: str
    attrs: tuple[Attr, ...]
    torch: tuple[Spelling, ...]
    keras: tuple[Spelling, ...] = ()
    layout: LayoutRule = LayoutRule("opaque")
    #: the layout rule when writing PyTorch, where it differs (BatchNorm normalizes axis 1 only)
    torch_layout: LayoutRule | None = None
    to_keras: Emitter | None = None
    to_torch: Emitter | None = None
    weights: WeightRule | None = None
    notes: str = ""
    rank: int | None = None  # tensor rank the op implies for its input (conv2d: 4)
    #: calling the layer form equals the functional form with the same attributes (ReLU, Concatenate):
    #: a layer built and called in one expression is written as the function
    stateless: bool = False
    support: tuple[str, ...] = ()  # nnmigrate.support.keras_layers classes the Keras form uses, written into the module
    #: static shape behaviour (see `ShapeRule`); None: elementwise ops keep their input's shape, others are unknown
    shape: ShapeRule | None = None
    #: a padding step writers put before a layer (SamePadding before a convolution): (this op, the layer after it)
    #: -> that layer doing the padding itself, or None; readers take the two as that one layer
    pads_next: Callable[[Any, Any], Any] | None = None

    def attr(self, name: str) -> Attr:
        for a in self.attrs:
            if a.name == name:
                return a
        raise KeyError(f"{self.key} has no attribute {name!r}")

    @property
    def attr_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attrs)

    def spelling(self, framework: Framework, qualname: str) -> Spelling | None:
        for s in self.torch if framework == "torch" else self.keras:
            if s.qualname == qualname:
                return s
        return None
