"""Weights ported between PyTorch and Keras 3 give the same outputs, to 1e-6 in float32."""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from companion.practice.keras_bridge import cell_from_keras, cell_to_keras, keras_to_torch, torch_to_keras  # noqa: E402

# Keras converts torch tensors with np.array(x), which NumPy 2 flags; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

TORCH_LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
KERAS_LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
CONFIGS = [(kind, layers, bidirectional) for kind in ("rnn", "lstm", "gru") for layers in (1, 2) for bidirectional in (False, True)]
D, H, B, T = 5, 4, 3, 7


def keras_stack(kind: str, num_layers: int, bidirectional: bool):
    """A Keras model of ``num_layers`` recurrent layers returning every step's output, and its layers."""
    inputs = keras.Input((None, D))
    x, layers = inputs, []
    for _ in range(num_layers):
        layer = KERAS_LAYERS[kind](H, return_sequences=True)
        layer = keras.layers.Bidirectional(layer) if bidirectional else layer
        x = layer(x)
        layers.append(layer)
    return keras.Model(inputs, x), layers


def inputs(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(B, T, D)).astype(np.float32)


@pytest.mark.parametrize("kind, num_layers, bidirectional", CONFIGS)
def test_torch_weights_in_keras_give_the_same_outputs(kind, num_layers, bidirectional):
    torch.manual_seed(0)
    module = TORCH_LAYERS[kind](D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    with torch.no_grad():  # biases large enough that a misplaced one shows
        for name, value in module.named_parameters():
            value.uniform_(-0.8, 0.8)
    model, layers = keras_stack(kind, num_layers, bidirectional)
    for layer, weights in zip(layers, torch_to_keras(module)):
        layer.set_weights(weights)
    x = inputs()
    expected = module(torch.from_numpy(x))[0].detach().numpy()
    got = keras.ops.convert_to_numpy(model(x))
    assert got.shape == expected.shape == (B, T, H * (2 if bidirectional else 1))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind, num_layers, bidirectional", CONFIGS)
def test_keras_weights_in_torch_give_the_same_outputs(kind, num_layers, bidirectional):
    keras.utils.set_random_seed(1)
    model, layers = keras_stack(kind, num_layers, bidirectional)
    for layer in layers:  # Keras initialises biases to zero (the LSTM's forget gate to one): randomise them
        layer.set_weights([w + np.random.default_rng(2).uniform(-0.5, 0.5, w.shape).astype(np.float32)
                           for w in layer.get_weights()])
    module = TORCH_LAYERS[kind](D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True)
    keras_to_torch([layer.get_weights() for layer in layers], module)
    x = inputs(3)
    np.testing.assert_allclose(module(torch.from_numpy(x))[0].detach().numpy(),
                               keras.ops.convert_to_numpy(model(x)), rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_final_states_agree(kind):
    torch.manual_seed(4)
    module = TORCH_LAYERS[kind](D, H, batch_first=True)
    layer = KERAS_LAYERS[kind](H, return_state=True)
    x = inputs(5)
    layer(x)  # build
    layer.set_weights(torch_to_keras(module)[0])
    keras_states = [keras.ops.convert_to_numpy(s) for s in layer(x)[1:]]
    _, torch_states = module(torch.from_numpy(x))
    torch_states = torch_states if isinstance(torch_states, tuple) else (torch_states,)
    assert len(keras_states) == len(torch_states)
    for got, expected in zip(keras_states, torch_states):
        np.testing.assert_allclose(got, expected[0].detach().numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cell_conversion_round_trips(kind):
    G = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    rng = np.random.default_rng(0)
    torch_weights = [rng.normal(size=s) for s in ((G * H, D), (G * H, H), (G * H,), (G * H,))]
    back = cell_from_keras(kind, *cell_to_keras(kind, *torch_weights))
    np.testing.assert_array_equal(back["weight_ih"], torch_weights[0])
    np.testing.assert_array_equal(back["weight_hh"], torch_weights[1])
    if kind == "gru":  # two biases kept apart
        np.testing.assert_array_equal(back["bias_ih"], torch_weights[2])
        np.testing.assert_array_equal(back["bias_hh"], torch_weights[3])
    else:  # one bias in Keras: the sum survives
        np.testing.assert_allclose(back["bias_ih"] + back["bias_hh"], torch_weights[2] + torch_weights[3])


def test_gru_gates_are_reordered():
    # Rows r, z, n filled with 1, 2, 3: Keras columns must read z, r, h = 2, 1, 3.
    weight_ih = np.repeat([1.0, 2.0, 3.0], 2)[:, None] * np.ones((6, 3))
    kernel, _, bias = cell_to_keras("gru", weight_ih, np.zeros((6, 2)), np.arange(6.0), 10 + np.arange(6.0))
    np.testing.assert_array_equal(kernel[0], [2, 2, 1, 1, 3, 3])
    np.testing.assert_array_equal(bias, [[2, 3, 0, 1, 4, 5], [12, 13, 10, 11, 14, 15]])


def test_clear_messages_for_wrong_shapes():
    with pytest.raises(ValueError, match=r"reset_after=True"):
        cell_from_keras("gru", np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6))
    with pytest.raises(ValueError, match=r"weight_hh must be \(G\*H, H\) = \(8, 2\)"):
        cell_to_keras("lstm", np.zeros((8, 3)), np.zeros((2, 8)), np.zeros(8), np.zeros(8))
    with pytest.raises(ValueError, match="kind must be one of"):
        cell_to_keras("transformer", np.zeros((1, 1)), np.zeros((1, 1)), np.zeros(1), np.zeros(1))
    with pytest.raises(ValueError, match="proj_size"):
        torch_to_keras(torch.nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(ValueError, match="expected 6 arrays"):
        keras_to_torch([[np.zeros((3, 4))] * 3], torch.nn.RNN(3, 4, bidirectional=True))
