"""Generated cases for every attention configuration (hypothesis).

For each drawn layer (score mode, window, normaliser, scale/normalize,
float32 or mixed_float16), memory (length 1..6, random padding, fully masked
rows), query (one step or several) and batch size (1..3):

- context and weights are finite;
- weights are >= 0 and exactly 0 on masked positions;
- a row with an unmasked position sums to 1 (global windows) or to at most 1
  (local windows, which multiply by a Gaussian); a fully masked row is 0;
- appending extra padded positions changes nothing.

500 cases in CI (derandomized, so every run checks the same cases).
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_attention.layers import BahdanauAttention, LuongAttention
from tests.harness import property_examples, to_numpy

PROBABILITY_FNS = ["softmax", "sparsemax", "hardmax", "hard_straight_through"]


@st.composite
def cases(draw):
    kind = draw(st.sampled_from(["bahdanau", "luong"]))
    probability_fn = draw(st.sampled_from(PROBABILITY_FNS))
    dtype = draw(st.sampled_from(["float32", "mixed_float16"]))
    batch = draw(st.integers(1, 3))
    length = draw(st.integers(1, 6))
    steps = draw(st.sampled_from([None, 1, 2, 3]))  # None: a rank-2 query
    key_dim = draw(st.integers(1, 4))
    if kind == "bahdanau":
        query_dim = draw(st.integers(1, 4))
        config = dict(
            units=draw(st.integers(1, 5)),
            normalize=draw(st.booleans()),
            use_bias=draw(st.booleans()),
        )
        window_mode = "global"
    else:
        score_mode = draw(st.sampled_from(["dot", "scaled_dot", "general", "concat", "location"]))
        query_dim = key_dim if score_mode in ("dot", "scaled_dot") else draw(st.integers(1, 4))
        window_mode = draw(st.sampled_from(["global", "local_m", "local_p"]))
        config = dict(score_mode=score_mode, use_scale=draw(st.booleans()), window_mode=window_mode)
        if window_mode != "global":
            config["window"] = draw(st.integers(1, 3))
        if score_mode == "location":
            config["units"] = 12  # room for the extra padding below
    mask = np.array(
        draw(st.lists(st.lists(st.booleans(), min_size=length, max_size=length), min_size=batch, max_size=batch))
    )
    seed = draw(st.integers(0, 2**16))
    extra = draw(st.integers(1, 3))
    return dict(
        kind=kind, config=config, probability_fn=probability_fn, dtype=dtype,
        batch=batch, length=length, steps=steps, key_dim=key_dim, query_dim=query_dim,
        mask=mask, seed=seed, extra=extra, local=window_mode != "global",
    )


def make_layer(case):
    cls = BahdanauAttention if case["kind"] == "bahdanau" else LuongAttention
    return cls(probability_fn=case["probability_fn"], dtype=case["dtype"], **case["config"])


@settings(
    max_examples=property_examples(500, 60),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_attention_properties(case):
    rng = np.random.default_rng(case["seed"])
    b, s = case["batch"], case["length"]
    q_shape = (b, case["query_dim"]) if case["steps"] is None else (b, case["steps"], case["query_dim"])
    query = rng.normal(size=q_shape).astype("float32") * 2
    value = rng.normal(size=(b, s, case["key_dim"])).astype("float32") * 2
    mask = case["mask"]
    layer = make_layer(case)
    context, weights = layer(query, value, value_mask=mask, return_attention_scores=True)
    c, w = to_numpy(context).astype("float32"), to_numpy(weights).astype("float32")
    assert np.isfinite(c).all() and np.isfinite(w).all()
    assert (w >= 0).all()
    w3 = w if case["steps"] is not None else w[:, None, :]
    masked = ~mask[:, None, :].repeat(w3.shape[1], 1)
    assert (w3[masked] == 0).all()
    sums = w3.sum(-1)
    tol = 2e-2 if case["dtype"] == "mixed_float16" else 1e-5
    for row in range(b):
        if not mask[row].any():
            assert (w3[row] == 0).all()
        elif case["local"]:
            assert (sums[row] <= 1 + tol).all()
        else:
            np.testing.assert_allclose(sums[row], 1.0, atol=tol)

    # Extra padded positions with arbitrary values change nothing.
    pad = rng.normal(size=(b, case["extra"], case["key_dim"])).astype("float32") * 5
    padded_value = np.concatenate([value, pad], 1)
    padded_mask = np.concatenate([mask, np.zeros((b, case["extra"]), bool)], 1)
    context2, weights2 = layer(query, padded_value, value_mask=padded_mask, return_attention_scores=True)
    c2 = to_numpy(context2).astype("float32")
    w2 = to_numpy(weights2).astype("float32")
    atol = 1e-2 if case["dtype"] == "mixed_float16" else 1e-5
    np.testing.assert_allclose(c2, c, atol=atol * (1 + np.abs(c).max()))
    np.testing.assert_allclose(w2[..., :s], w, atol=atol)
    assert (w2[..., s:] == 0).all()
