import numpy as np
import pytest

from keras_attention.layers import Maxout
from tests.harness import assert_config_round_trip, to_numpy


def test_hand_computed_pairs():
    layer = Maxout(2, pool_size=2)
    layer(np.zeros((1, 2), "float32"))
    # t~ = x W + b = [x0, x1, -x0, 3]; pairs (x0, x1) and (-x0, 3)
    kernel = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    layer.set_weights([kernel, np.array([0.0, 0.0, 0.0, 3.0])])
    out = to_numpy(layer(np.array([[1.0, -2.0], [-5.0, 4.0]], "float32")))
    np.testing.assert_allclose(out, [[1.0, 3.0], [4.0, 5.0]])


def test_rank3_and_pool3():
    out = Maxout(4, pool_size=3)(np.ones((2, 5, 6), "float32"))
    assert tuple(out.shape) == (2, 5, 4)


def test_config_round_trip():
    clone = assert_config_round_trip(Maxout(7, pool_size=3, use_bias=False))
    assert clone.num_units == 7 and clone.pool_size == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_units": 0}, "`num_units` must be a positive integer. Received: num_units=0"),
        ({"num_units": 2, "pool_size": -1}, "`pool_size` must be a positive integer. Received: pool_size=-1"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        Maxout(**kwargs)
    assert message in str(info.value)
