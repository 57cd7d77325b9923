"""ImageCaptioner: hand-computed attention terms, hard attention's REINFORCE
gradient, the task protocol members, save/load and argument checks."""

import inspect

import keras
import numpy as np
import pytest
from keras import ops

from keras_attention.layers import HardAttention
from keras_attention.layers.memory import Memory
from keras_attention.models import ImageCaptioner
from keras_attention.models import captioner_layers as cl
from tests.harness import assert_model_save_load, gradients, to_numpy

WORDS = ["", "[UNK]", "[START]", "[END]", "zero", "one", "two"]
SHAPE = (16, 32, 1)  # conv [4, 4] pools [2, 2]: a 4×8 grid of 32 locations
RNG = np.random.default_rng(0)


def tiny(**kwargs):
    args = dict(image_shape=SHAPE, conv_filters=[4, 4], conv_pools=[2, 2], units=8,
                embedding_dim=4, attention_units=4, seed=0)
    args.update(kwargs)
    return ImageCaptioner(WORDS, **args)


def batch(n=2):
    images = RNG.uniform(size=(n,) + SHAPE).astype("float32")
    target_ids = np.array([[2, 5, 6, 4], [2, 4, 0, 0]] * (n // 2), "int32")
    return {"images": images, "target_ids": target_ids}


# -- the doubly stochastic regulariser ---------------------------------------------------------
def test_doubly_stochastic_penalty_by_hand():
    weights = np.array(
        [
            [[0.5, 0.5], [1.0, 0.0], [0.2, 0.8]],  # third step is padding
            [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]],
        ],
        "float32",
    )
    mask = np.array([[1, 1, 0], [1, 1, 1]])
    # Example 1: coverage (1.5, 0.5) -> 0.25 + 0.25; example 2: (0, 3) -> 1 + 4.
    penalty = to_numpy(cl.doubly_stochastic_penalty(weights, mask))
    np.testing.assert_allclose(penalty, (0.5 + 5.0) / 2, rtol=1e-6)


def test_regulariser_is_the_model_loss_in_training_only():
    model = tiny(doubly_stochastic_weight=0.25)
    x = batch()
    _, weights = model(x, training=True, return_attention_scores=True)
    expected = 0.25 * to_numpy(cl.doubly_stochastic_penalty(to_numpy(weights),
                                                             x["target_ids"] != 0))
    assert len(model.losses) == 1
    np.testing.assert_allclose(to_numpy(model.losses[0]), expected, rtol=1e-5)
    assert expected > 0
    model(x, training=False)
    assert model.losses == []
    assert tiny(doubly_stochastic_weight=0.0)(x, training=True) is not None
    assert tiny(doubly_stochastic_weight=0.0).losses == []


# -- the context gate β ------------------------------------------------------------------------
def test_context_gate_beta_by_hand():
    model = tiny(context_gate=True)
    model.build()
    cell = model.decoder.cell
    kernel = np.zeros((8, 1), "float32")
    kernel[0, 0] = 1.0
    cell.gate.set_weights([kernel, np.array([-1.0], "float32")])
    values = np.array([[[1.0, 2.0], [3.0, -1.0]]], "float32")  # 2 locations
    values = np.concatenate([values, values], 0)
    memory = Memory(np.pad(values, ((0, 0), (0, 0), (0, model.memory_dim - 2))))
    query = np.zeros((2, 8), "float32")
    query[0, 0], query[1, 0] = 1.0, 3.0  # β = σ(1 - 1) = 0.5 and σ(3 - 1)
    contexts, weights, _ = cell._attend(query, [memory], False, None, None)
    alpha = to_numpy(weights[0])
    np.testing.assert_allclose(alpha.sum(-1), 1.0, rtol=1e-6)
    plain = np.einsum("bs,bsd->bd", alpha, to_numpy(memory.values))
    beta = np.array([0.5, 1.0 / (1.0 + np.exp(-2.0))])  # 0.5, 0.8808
    np.testing.assert_allclose(to_numpy(contexts[0]), beta[:, None] * plain, rtol=1e-5)
    assert tiny(context_gate=False).decoder.cell.gate is None
    assert tiny(attention="none", context_gate=True).decoder.cell.gate is None


# -- hard attention: REINFORCE ----------------------------------------------------------------------
def _alpha(layer, query, value):
    """α of a HardAttention layer: Bahdanau's softmax of its scores `(S,)`."""
    scores = layer._scores(ops.expand_dims(ops.convert_to_tensor(query), 1),
                           layer._project_keys(ops.convert_to_tensor(value)))
    return ops.softmax(scores, axis=-1)[0, 0]


def _alpha_numpy(layer, query, value):
    """The same α from the weights, in numpy (an independent reference)."""
    w = {v.path.split("/")[-1]: to_numpy(v) for v in layer.weights}
    hidden = np.tanh(query @ w["query_kernel"] + value[0] @ w["key_kernel"] + w["bias"])
    e = hidden @ w["score_vector"]
    return np.exp(e - e.max()) / np.exp(e - e.max()).sum()


def _sampled(layer, query, value, seed_state):
    """The training weights for a fixed seed state (the same sample each time)."""
    layer.seed_generator.state.assign(seed_state)
    return layer(ops.convert_to_tensor(query), value, return_attention_scores=True,
                 training=True)[1][0]


def test_hard_attention_weights_carry_score_function_and_entropy_gradients():
    layer = HardAttention(4, seed=3)
    query = RNG.normal(size=(1, 3)).astype("float32")
    value = RNG.normal(size=(1, 5, 2)).astype("float32")
    layer(query, value)  # builds
    alpha = to_numpy(_alpha(layer, query, value))
    np.testing.assert_allclose(alpha, _alpha_numpy(layer, query, value), rtol=1e-5)
    seed_state = to_numpy(layer.seed_generator.state)
    sample = to_numpy(_sampled(layer, query, value, seed_state))
    assert sorted(sample.tolist()).count(1.0) == 1 and sample.sum() == 1.0
    s = int(sample.argmax())
    variables = layer.trainable_variables

    # Σ s·w: value 1, gradient ∇ log α_s.
    def score():
        w = _sampled(layer, query, value, seed_state)
        return ops.sum(ops.stop_gradient(w) * w)

    value_1, grads = gradients(score, variables)
    _, reference = gradients(lambda: ops.log(_alpha(layer, query, value)[s]), variables)
    np.testing.assert_allclose(to_numpy(value_1), 1.0, rtol=1e-6)
    for g, r in zip(grads, reference, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)

    # Σ (1 − s)·w: value 0, gradient ∇ H(α).
    def entropy_term():
        w = _sampled(layer, query, value, seed_state)
        return ops.sum((1.0 - ops.stop_gradient(w)) * w)

    def entropy():
        a = _alpha(layer, query, value)
        return -ops.sum(a * ops.log(a))

    value_0, grads = gradients(entropy_term, variables)
    _, reference = gradients(entropy, variables)
    np.testing.assert_allclose(to_numpy(value_0), 0.0, atol=1e-6)
    for g, r in zip(grads, reference, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)


def _one_step(advantage, entropy_weight=0.0, steps=1):
    """SGD on `-(advantage · Σ s·w + λ_e Σ (1 − s)·w)` with one fixed sample:
    `(α before, α after, the sampled location)`."""
    value = np.eye(3, dtype="float32")[None]  # 3 locations
    query = np.ones((1, 2), "float32")
    layer = HardAttention(4, seed=0)
    layer(query, value)
    start = to_numpy(_alpha(layer, query, value))
    seed_state = to_numpy(layer.seed_generator.state)
    s = int(to_numpy(_sampled(layer, query, value, seed_state)).argmax())

    def loss():
        w = _sampled(layer, query, value, seed_state)
        sample = ops.stop_gradient(w)
        return -(advantage * ops.sum(sample * w)
                 + entropy_weight * ops.sum((1.0 - sample) * w))

    for _ in range(steps):
        _, grads = gradients(loss, layer.trainable_variables)
        for v, g in zip(layer.trainable_variables, grads, strict=True):
            v.assign(v - 0.5 * g)
    return start, to_numpy(_alpha(layer, query, value)), s


def test_reinforce_gradient_sign_on_a_toy():
    """A positive advantage raises the sampled location's α, a negative one
    lowers it; the entropy bonus alone flattens α."""
    start, after, s = _one_step(+1.0)
    assert after[s] > start[s]
    start, after, s = _one_step(-1.0)
    assert after[s] < start[s]
    start, after, _ = _one_step(0.0, entropy_weight=1.0, steps=5)

    def entropy(p):
        return -float(np.sum(p * np.log(p)))

    assert entropy(after) > entropy(start)


def test_hard_model_moving_average_baseline():
    model = tiny(attention="hard", baseline_decay=0.75)
    x = batch()
    rewards = []
    for _ in range(2):
        logits = model(x, training=True)
        labels = to_numpy(cl.labels_from_targets(x["target_ids"]))
        logp = to_numpy(ops.log_softmax(logits, axis=-1))
        mask = x["target_ids"] != 0
        token = np.take_along_axis(logp, labels[..., None], -1)[..., 0]
        rewards.append(float(np.mean(np.sum(token * mask, axis=1))))
        assert len(model.losses) == 1
        np.testing.assert_allclose(to_numpy(model.losses[0]), 0.0, atol=1e-6)  # value 0
    expected = 0.75 * rewards[0] + 0.25 * rewards[1]
    np.testing.assert_allclose(to_numpy(model.reward_baseline), expected, rtol=1e-5)
    assert float(to_numpy(model.baseline_updates)) == 2.0


def test_hard_attention_is_one_hot_arg_max_at_inference():
    model = tiny(attention="hard")
    x = batch()
    _, w = model(x, training=False, return_attention_scores=True)
    w = to_numpy(w)
    np.testing.assert_array_equal(np.sort(np.unique(w)), [0.0, 1.0])
    np.testing.assert_allclose(w.sum(-1)[x["target_ids"] != 0], 1.0)
    _, w2 = model(x, training=False, return_attention_scores=True)
    np.testing.assert_array_equal(w, to_numpy(w2))  # deterministic


def test_hard_model_trains_one_step():
    model = tiny(attention="hard")
    model.compile()
    x = batch()
    y = to_numpy(cl.labels_from_targets(x["target_ids"]))
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- the protocol: captions, maps, generate ------------------------------------------------------------
@pytest.mark.parametrize("attention", ["soft", "hard", "none"])
def test_caption_strings_and_attention_maps(attention):
    model = tiny(attention=attention)
    images = batch()["images"]
    captions, maps = model.caption(images, return_attention=True, max_length=5)
    assert len(captions) == 2 and all(isinstance(c, str) for c in captions)
    words = set(WORDS[1:])  # untrained: any token but padding
    for caption, m in zip(captions, maps, strict=True):
        assert set(caption.split()) <= words
        grid = (4, 8) if attention != "none" else (1, 1)
        assert m.shape[1:] == grid
        assert 1 <= m.shape[0] <= 5 and m.shape[0] >= len(caption.split())
        np.testing.assert_allclose(m.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    teacher = model.attention_weights(images, batch()["target_ids"])
    assert teacher.shape == ((2, 4, 4, 8) if attention != "none" else (2, 4, 1))
    maps = model.attention_maps(images, max_length=5)
    if attention == "none":
        assert maps == []
    else:
        assert [m["kind"] for m in maps] == ["image", "image"]
        assert maps[0]["grid"] == [4, 8] and maps[0]["image"].shape == SHAPE[:2]
        assert maps[0]["weights"].shape[1] == 32


def test_caption_single_file_and_beam(tmp_path):
    model = tiny()
    images = batch()["images"]
    path = tmp_path / "canvas.npy"
    np.save(path, images[0])
    text = model.caption(str(path), max_length=5)
    assert isinstance(text, str)
    assert text == model.caption(images[:1], max_length=5)[0]
    beam = model.caption(images, sampler="beam", max_length=5)
    assert len(beam) == 2
    out = model.generate(images, max_length=5)
    assert tuple(to_numpy(out["attention"]).shape) == (2, 5, 32)


def test_user_backbone():
    backbone = keras.Sequential([keras.layers.Conv2D(3, 3, strides=4, padding="same")])
    model = tiny(encoder=backbone)
    assert model.feature_map == (4, 8, 3)
    logits = model(batch())
    assert tuple(logits.shape) == (2, 4, len(WORDS))
    assert model.get_config()["encoder"]["class_name"] == "Sequential"


# -- configuration, save/load -------------------------------------------------------------------------
def test_get_config_is_the_constructor_arguments():
    model = tiny(attention="hard", position="learned", cell="lstm", deep_output="maxout",
                 doubly_stochastic_weight=0.5, context_gate=False, dropout=0.1)
    config = model.get_config()
    params = set(inspect.signature(ImageCaptioner.__init__).parameters) - {"self", "kwargs"}
    assert params <= set(config)
    assert set(config) - params <= {"name", "trainable", "dtype"}
    assert config["attention"] == "hard" and config["cell"] == "lstm"
    assert config["conv_filters"] == [4, 4] and config["image_shape"] == [16, 32, 1]
    clone = ImageCaptioner.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("kwargs", [
    dict(attention="soft", context_gate=True, doubly_stochastic_weight=0.1),
    dict(attention="hard", position="learned"),
    dict(attention="none", cell="lstm"),
])
def test_save_load_round_trip(kwargs, tmp_path):
    model = tiny(**kwargs)
    model.compile()
    x = batch()
    restored = assert_model_save_load(model, x, tmp_path)
    assert restored.get_config() == model.get_config()
    assert restored.caption(x["images"], max_length=5) == model.caption(x["images"],
                                                                        max_length=5)


# -- argument checks -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value", [
    ("attention", "soft_ish"),
    ("position", "polar"),
    ("cell", "rnn"),
    ("units", 0),
    ("embedding_dim", -1),
    ("attention_units", 1.5),
    ("image_shape", (16, 32)),
    ("conv_filters", []),
    ("conv_pools", [2, 0]),
    ("doubly_stochastic_weight", -0.1),
    ("reinforce_weight", float("nan")),
    ("entropy_weight", "0.1"),
    ("baseline_decay", 1.5),
    ("dropout", -0.2),
    ("deep_output", "relu"),
    ("seed", 1.5),
    ("encoder", "resnet"),
])
def test_bad_arguments_name_argument_and_value(name, value):
    with pytest.raises(ValueError) as info:
        tiny(**{name: value})
    message = str(info.value)
    assert f"`{name}`" in message
    assert repr(value) in message or str(value) in message


def test_bad_inputs_name_what_is_wrong():
    model = tiny()
    with pytest.raises(ValueError, match=r"`images` must have shape \(batch, 16, 32, 1\)"):
        model({"images": np.zeros((1, 16, 16, 1), "float32"),
               "target_ids": np.array([[2, 4]])})
    with pytest.raises(ValueError, match="'images' and 'target_ids'"):
        model(np.zeros((1, 16, 32, 1), "float32"))
    with pytest.raises(ValueError, match="target_ids"):
        model({"images": np.zeros((1,) + SHAPE, "float32"), "target_ids": np.array([[2, 99]])})
    with pytest.raises(ValueError, match="conv_pools"):
        tiny(conv_filters=[4, 4, 4])
