"""Keras Functional builders as published packages write them, to PyTorch: layers made through a variable or a
helper function, layer classes picked by name, models built without `keras.Input`, explicit `build()` calls."""

from __future__ import annotations

from tests.conftest import migrate_and_verify


def test_layers_made_by_factories_and_helpers_are_created_once(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def upsample_conv(filters, kernel_size, strides, padding):
            return layers.Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding)


        def upsample_simple(filters, kernel_size, strides, padding):
            return layers.UpSampling2D(strides)


        def block(x, filters, dropout_type="spatial"):
            if dropout_type == "spatial":
                DO = layers.SpatialDropout2D
            else:
                DO = layers.Dropout
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = DO(0.2)(x)
            act = layers.Activation
            return act("tanh")(layers.Conv2D(filters, 3, padding="same")(x))


        def build(mode="deconv", filters=4):
            upsample = upsample_conv if mode == "deconv" else upsample_simple
            inputs = keras.Input((8, 8, 3))
            x = block(inputs, filters)
            x = layers.MaxPooling2D()(x)
            x = block(x, filters * 2, "standard")
            x = upsample(filters, (2, 2), strides=(2, 2), padding="same")(x)
            outputs = layers.Conv2D(2, 1)(x)
            return keras.Model(inputs, outputs)
    ''', "build", ["float32[2,8,8,3]"])
    assert "Functional.layer(lambda: DO(0.2))(x)" in result.text
    assert "Functional.layer(lambda: upsample(filters, (2, 2), strides=(2, 2), padding='same'))(x)" in result.text
