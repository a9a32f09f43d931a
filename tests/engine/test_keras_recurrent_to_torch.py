"""Keras recurrent layers, Bidirectional, TimeDistributed and MultiHeadAttention -> PyTorch: verified with copied
weights, and a diagnostic (the call kept behind a marker) for options PyTorch cannot express."""

from __future__ import annotations

import textwrap

import pytest

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source

from tests.conftest import migrate_and_verify

ENCODER = textwrap.dedent('''
    import keras
    from keras import layers


    class Encoder(keras.Model):
        def __init__(self, units=8, heads=2, **kwargs):
            super().__init__(**kwargs)
            self.gru = layers.GRU(units, return_sequences=True, return_state=True)
            self.bi = layers.Bidirectional(layers.LSTM(units, return_sequences=True), merge_mode="sum")
            self.attention = layers.MultiHeadAttention(heads, key_dim=4, value_dim=3, output_shape=6)
            self.rnn = layers.SimpleRNN(units, activation="relu", go_backwards=True, use_bias=False)
            self.head = layers.Dense(3)

        def call(self, x, attend):
            seq, state = self.gru(x)
            seq = self.bi(seq, initial_state=[state, state, state, state])
            context, scores = self.attention(seq, x, attention_mask=attend, return_attention_scores=True)
            return self.head(self.rnn(context) + state), scores
''')

TAGGER = textwrap.dedent('''
    import keras
    from keras import layers


    class Tagger(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = keras.Sequential([
                layers.Bidirectional(layers.GRU(6, return_sequences=True), merge_mode="ave"),
                layers.Bidirectional(layers.SimpleRNN(4, return_sequences=True), merge_mode="mul"),
                layers.GRU(4, return_sequences=True, go_backwards=True),
            ])
            self.attention = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1)
            self.pair = layers.Bidirectional(layers.LSTM(5, return_state=True), merge_mode=None)
            self.tags = layers.TimeDistributed(layers.Dense(2, activation="softmax"))

        def call(self, x):
            seq = self.encoder(x)
            seq = self.attention(seq, seq, use_causal_mask=True)
            forward, backward, h_f, c_f, h_b, c_b = self.pair(seq)
            return self.tags(seq), forward - backward + h_f * c_b - c_f * h_b
''')


def _migrates_and_verifies(source: str, symbol: str, inputs: list[str], tmp_path, worker) -> str:
    return migrate_and_verify(tmp_path, worker, source, symbol, inputs, per_layer=True).text


def test_states_initial_state_and_masked_attention_verify(tmp_path, worker):
    text = _migrates_and_verifies(ENCODER, "Encoder", ["float32[2,6,5]", "int64[2,6,6]<2"], tmp_path, worker)
    assert "LazyRecurrent(nn.GRU, units, return_sequences=True, return_state=True)" in text
    assert "LazyRecurrent(nn.LSTM, units, return_sequences=True, bidirectional=True, merge_mode='sum')" in text
    assert "LazyRecurrent(nn.RNN, units, go_backwards=True, bias=False, nonlinearity='relu')" in text
    assert "LazyMultiHeadAttention(heads, 4, value_dim=3, output_shape=6)" in text


def test_merge_modes_causal_self_attention_and_time_distributed_verify(tmp_path, worker):
    text = _migrates_and_verifies(TAGGER, "Tagger", ["float32[2,7,5]"], tmp_path, worker)
    assert "merge_mode='ave'" in text and "merge_mode='mul'" in text and "merge_mode=None" in text
    assert "self.tags = nn.Sequential(nn.LazyLinear(2), nn.Softmax(dim=-1))" in text  # Linear acts on every step


UNSUPPORTED = [
    ("layers.GRU(8, reset_after=False)", "reset_after=False"),
    ("layers.LSTM(8, stateful=True)", "stateful=True"),
    ("layers.LSTM(8, activation='relu')", "activation='relu'"),
    ("layers.Bidirectional(layers.GRU(8), backward_layer=layers.GRU(8, go_backwards=True))", "backward_layer"),
    ("layers.TimeDistributed(layers.Conv2D(4, 3))", "act on the last axis"),
    ("layers.MultiHeadAttention(2, 4, attention_axes=(1, 2))", "axes other than the sequence axis"),
]


@pytest.mark.parametrize("construct,message", UNSUPPORTED, ids=[m for _, m in UNSUPPORTED])
def test_option_without_pytorch_form_is_an_error_and_keeps_the_call(construct, message):
    source = textwrap.dedent(f'''
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.layer = {construct}

            def call(self, x):
                return self.layer(x)
    ''')
    result = migrate_source(source, Framework.PYTORCH, symbol="Net")
    errors = [d for d in result.diagnostics if d.blocks_migration]
    assert result.exit_code != 0
    assert any(d.code == "NNM102" and message in d.message for d in errors), [d.message for d in errors]
    assert f"self.layer = {construct}" in result.text
    assert "TODO(nnmigrate): NNM102" in result.text


SHARED = textwrap.dedent('''
    import keras
    from keras import layers


    def build(steps=5, features=4, units=6):
        inputs = keras.Input(shape=(steps, features))
        encoder = layers.LSTM(units)
        projected = layers.Dense(features)(inputs)
        merged = layers.Concatenate()([encoder(inputs), encoder(projected)])
        return keras.Model(inputs, layers.Dense(2)(merged))
''')


def test_builder_layer_bound_to_a_name_is_created_once_and_shared(tmp_path, worker):
    text = _migrates_and_verifies(SHARED, "build", ["float32[2,5,4]"], tmp_path, worker)
    assert "encoder = Functional.layer(lambda: LazyRecurrent(nn.LSTM, units))" in text
    assert "torch.cat([encoder(inputs), encoder(projected)], dim=-1)" in text
