"""`import keras_attention` works without TensorFlow on the other backends."""

import keras
import pytest

from tests.harness import run_in_fresh_process


@pytest.mark.skipif(
    keras.backend.backend() == "tensorflow", reason="TensorFlow is the backend here"
)
def test_the_package_imports_without_loading_tensorflow():
    out = run_in_fresh_process(
        """
        import sys
        import keras_attention
        from keras_attention import (
            callbacks, data, evaluation, layers, models, recipes, runtime, training,
        )
        from keras_attention.models import samplers
        print(sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow")[:3])
        """
    )
    assert out.strip().splitlines()[-1] == "[]"
