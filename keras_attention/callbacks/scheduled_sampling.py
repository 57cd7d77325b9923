"""Scheduled sampling (Bengio et al., 2015) as a Keras callback."""

import math

import keras

SCHEDULES = ("linear", "exponential", "inverse_sigmoid")


def _number(name, value, low=None, high=None, low_open=False, high_open=False):
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    ok = ok and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else ("(" if low_open else "[") + str(low)
        hi = "" if high is None else str(high) + (")" if high_open else "]")
        interval = f" in {lo}, {hi}" if lo and hi else (f" >= {low}" if lo else "")
        raise ValueError(f"`{name}` must be a number{interval}. Received: {name}={value!r}")
    return float(value)


@keras.saving.register_keras_serializable(package="keras_attention")
class ScheduledSampling(keras.callbacks.Callback):
    """Decays teacher forcing: sets the decoder's `sampling_probability`.

    At training step (or epoch) `i` the probability `ε_i` of feeding the true
    previous token follows one of the schedules of Bengio et al. (2015),
    attention-math.md §6:

    - `"linear"`: `ε_i = max(min_epsilon, k − c·i)`;
    - `"exponential"`: `ε_i = max(min_epsilon, k ** i)`, `0 < k < 1`;
    - `"inverse_sigmoid"`: `ε_i = max(min_epsilon, k / (k + exp(i / k)))`,
      `k ≥ 1`.

    and the callback sets `decoder.sampling_probability = 1 − ε_i` (the
    probability of feeding the model's own arg-max prediction instead) before
    each batch (`per="step"`, `i` = the optimizer's iteration count, so a
    resumed training continues the schedule) or each epoch (`per="epoch"`,
    `i` = the epoch index). With `ε_i = 1` training is exactly teacher
    forcing. The current value is logged as `sampling_probability`.

    Args:
        schedule: `"linear"`, `"exponential"` or `"inverse_sigmoid"`.
        k: the schedule's constant (see above). Default 1.0 for `"linear"`;
            required for the other two.
        c: the slope of `"linear"` (required there, unused otherwise).
        min_epsilon: lower bound on `ε_i`, in [0, 1].
        per: `"step"` or `"epoch"`.
        decoder: the `AttentionDecoder` to drive; default the model's
            `decoder` attribute (e.g. `Seq2SeqTranslator.decoder`).

    Example:

    >>> from keras_attention.callbacks import ScheduledSampling
    >>> callback = ScheduledSampling("inverse_sigmoid", k=500.0)
    >>> round(callback.epsilon(0), 4), round(callback.epsilon(5000), 4)
    (0.998, 0.0222)
    >>> # model.fit(x, y, callbacks=[callback])

    What `fit` does with a per-epoch linear schedule, at the third epoch:

    >>> from keras_attention.models import Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> callback = ScheduledSampling("linear", k=1.0, c=0.25, per="epoch")
    >>> callback.set_model(model)
    >>> callback.on_train_begin()
    >>> callback.on_epoch_begin(2)
    >>> float(model.decoder.sampling_probability)  # 1 - (1.0 - 0.25 * 2)
    0.5

    Reference:
        - [Bengio et al., 2015](https://arxiv.org/abs/1506.03099)
    """

    def __init__(
        self,
        schedule="inverse_sigmoid",
        k=None,
        c=None,
        min_epsilon=0.0,
        per="step",
        decoder=None,
    ):
        super().__init__()
        if schedule not in SCHEDULES:
            raise ValueError(
                "`schedule` must be one of 'linear', 'exponential', "
                f"'inverse_sigmoid'. Received: schedule={schedule!r}"
            )
        if per not in ("step", "epoch"):
            raise ValueError(f"`per` must be 'step' or 'epoch'. Received: per={per!r}")
        if schedule == "linear":
            k = 1.0 if k is None else _number("k", k)
            if c is None:
                raise ValueError(
                    "schedule='linear' needs the slope `c` (ε_i = max(min_epsilon, "
                    "k − c·i)). Received: c=None"
                )
            c = _number("c", c, low=0.0)
        elif schedule == "exponential":
            if k is None:
                raise ValueError(
                    "schedule='exponential' needs `k` in (0, 1) (ε_i = k**i). "
                    "Received: k=None"
                )
            k = _number("k", k, low=0.0, high=1.0, low_open=True, high_open=True)
        else:
            if k is None:
                raise ValueError(
                    "schedule='inverse_sigmoid' needs `k` >= 1 "
                    "(ε_i = k / (k + exp(i / k))). Received: k=None"
                )
            k = _number("k", k, low=1.0)
        if c is not None and schedule != "linear":
            raise ValueError(
                f"`c` is used by schedule='linear' only. Received: c={c!r} with "
                f"schedule={schedule!r}"
            )
        self.schedule = schedule
        self.k = k
        self.c = c
        self.min_epsilon = _number("min_epsilon", min_epsilon, low=0.0, high=1.0)
        self.per = per
        self.decoder = decoder
        self._last = None
        self._variable = None

    def epsilon(self, i):
        """`ε_i`, the probability of feeding the true token at step/epoch `i`."""
        if self.schedule == "linear":
            value = self.k - self.c * i
        elif self.schedule == "exponential":
            value = self.k**i
        else:
            # k / (k + exp(i/k)), written to avoid overflow for large i / k.
            x = i / self.k
            value = 0.0 if x > 700 else self.k / (self.k + math.exp(x))
        return float(min(1.0, max(self.min_epsilon, value)))

    def sampling_probability(self, i):
        return 1.0 - self.epsilon(i)

    def _target(self):
        decoder = self.decoder if self.decoder is not None else getattr(
            self.model, "decoder", None
        )
        variable = getattr(decoder, "sampling_probability", None)
        if variable is None:
            raise ValueError(
                "ScheduledSampling needs an AttentionDecoder with token inputs "
                "(built, with a `sampling_probability` variable): pass "
                "`decoder=` or train a model with a `decoder` attribute, such as "
                "Seq2SeqTranslator."
            )
        return variable

    def _set(self, i):
        value = self.sampling_probability(i)
        if value != self._last:
            self._variable.assign(value)
            self._last = value

    def on_train_begin(self, logs=None):
        self._last = None
        self._variable = self._target()

    def on_train_batch_begin(self, batch, logs=None):
        if self.per == "step":
            self._set(int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)))

    def on_epoch_begin(self, epoch, logs=None):
        if self.per == "epoch":
            self._set(epoch)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["sampling_probability"] = float(
                keras.ops.convert_to_numpy(self._variable)
            )

    def get_config(self):
        return {
            "schedule": self.schedule,
            "k": self.k,
            "c": self.c,
            "min_epsilon": self.min_epsilon,
            "per": self.per,
        }
