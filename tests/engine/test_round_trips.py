"""Round trips: PyTorch -> Keras -> PyTorch and Keras -> PyTorch -> Keras stay equivalent to the original, and
migrating the round trip's output again gives the same text (the second migration is a fixed point)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, fixture_cases

STACK_SIZE = "RecurrentStack reads as the torch module, whose input_size the Keras code does not record (needs shapes)"
#: What each round trip still lacks; strict, so a fix shows up as an unexpected pass.
NOT_YET = {
    "torch_alexnet": "keras.layers.AdaptiveAveragePooling2D is not read yet",
    "torch_bilstm_classifier": "RecurrentStack read back as nn.LSTM/GRU needs an input_size the Keras code never records",
    "torch_cnn_rnn": "RecurrentStack read back as nn.LSTM/GRU needs an input_size the Keras code never records",
    "torch_resnet_basic": "keras.ops.pad is not read yet",
    "torch_resnet18_narrow": "keras.ops.pad is not read yet",
    "torch_mobilenetv2": "support ZeroPadding is not read yet",
    "torch_inverted_residual": "support ZeroPadding is not read yet",
    "torch_inception": "torch.nn.Conv2d needs kernel_size",
    "torch_densenet": "keras.random.dropout is not read yet",
    "torch_squeezenet": "support CeilModePadding is not read yet",
    "torch_gru_lm": "RecurrentStack read back as nn.LSTM/GRU needs an input_size the Keras code never records",
    "torch_stacked_bilstm": "RecurrentStack read back as nn.LSTM/GRU needs an input_size the Keras code never records",
    "torch_transformer_encoder": "keras.random.normal is not read yet",
    "torch_transformer_block": "TorchStyleAttention weights are not paired on the way back",
    "torch_lenet_lazy": "keras.layers.Permute is not read yet",
    "torch_activations_zoo": "ELU's alpha is lost on the way back (None)",
    "torch_pooling_zoo": "keras.ops.pad is not read yet",
    "torch_two_input": "keras.layers.Permute is not read yet",
    "torch_sequential_subclass": "keras.layers.Permute is not read yet",
    "torch_tensor_ops": "keras.ops.amax is not read yet",
    "torch_base_class": "the second round changes the text (not yet a fixed point)",
    "torch_conv_autoencoder": "keras.ops.image.resize is not read yet",
    "torch_tcn": "support ZeroPadding is not read yet",
    "torch_text_cnn": "keras.ops.max_pool is not read yet",
    "torch_rnn_regressor": "RecurrentStack read back as nn.LSTM/GRU needs an input_size the Keras code never records",
    "keras_vgg16": "keras.layers.Permute is not read yet",
    "keras_bilstm_classifier": "argument bidirectional of support LazyRecurrent has no mapping",
    "keras_mobilenet": "support SamePadding is not read yet",
    "keras_resnet_block": "support SamePadding is not read yet",
    "keras_residual_layer": "support SamePadding is not read yet",
    "keras_densenet": "keras.layers.Permute is not read yet",
    "keras_tcn": "torch.nn.ZeroPad1d is not read yet",
    "keras_transformer_classifier": "keras.layers.Permute is not read yet",
    "keras_efficientnet": "argument dim of support Activation has no mapping",
    "keras_preprocessing": "support Normalization is not read yet",
    "keras_separable_conv": "support SamePadding is not read yet",
    "keras_activations_zoo": "keras.layers.Permute is not read yet",
    "keras_add_concat": "support SamePadding is not read yet",
    "keras_pooling_zoo": "support SamePadding is not read yet",
    "keras_conv3d": "keras.layers.Permute is not read yet",
}
TORCH_CASES, TORCH_IDS = fixture_cases("pytorch", NOT_YET)
KERAS_CASES, KERAS_IDS = fixture_cases("tensorflow", NOT_YET)


def _migrate(source: str, to: str, symbol: str, origin: str):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(source, Framework.parse(to), symbol=symbol)
    errors = [d.format(origin) for d in result.diagnostics if d.blocks_migration]
    assert result.exit_code == 0, "\n".join(errors) + "\n" + source
    return result


def assert_round_trip(case: dict, tmp_path: Path, worker) -> None:
    src = FIXTURES / case["file"]
    there, back = ("tensorflow", "pytorch") if case["framework"] == "pytorch" else ("pytorch", "tensorflow")
    middle = _migrate(src.read_text(), there, case["symbol"], str(src))
    middle_path = tmp_path / f"{src.stem}_middle.py"
    middle_path.write_text(middle.text)
    final = _migrate(middle.text, back, case["symbol"], str(middle_path))
    final_path = tmp_path / f"{src.stem}_round_trip.py"
    final_path.write_text(final.text)

    again = _migrate(_migrate(final.text, there, case["symbol"], str(final_path)).text, back, case["symbol"], "again")
    assert again.text == final.text, "the round trip's output changes when it goes round again"

    request = {"source_path": str(src), "symbol": case["symbol"], "args": case.get("args", {}),
               "inputs": case["inputs"], "device": "cpu",
               "hops": [{"path": str(middle_path), "contract": middle.mapping},
                        {"path": str(final_path), "contract": final.mapping}]}
    report = worker.verify(request, timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + final.text
    assert report["max_abs_diff"] <= 1e-5
    assert report["per_layer"], "per-layer report is empty"


@pytest.mark.parametrize("case", TORCH_CASES, ids=TORCH_IDS)
def test_pytorch_keras_pytorch(case, tmp_path, worker):
    assert_round_trip(case, tmp_path, worker)


@pytest.mark.parametrize("case", KERAS_CASES, ids=KERAS_IDS)
def test_keras_pytorch_keras(case, tmp_path, worker):
    assert_round_trip(case, tmp_path, worker)
