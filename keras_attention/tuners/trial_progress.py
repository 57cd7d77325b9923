"""A progress bar over the trials of a KerasTuner search."""

import sys
import time

import keras


class TrialProgress(keras.callbacks.Callback):
    """Shows one progress update per trial of a `tuner.search()`.

    Pass it in `tuner.search(..., callbacks=[TrialProgress(max_trials)])`.
    After every trial it reports the trial's objective (its best epoch, as
    KerasTuner scores it) and the best objective so far: on a terminal as a
    `keras.utils.Progbar` over the trials, otherwise (a log file, a pipe)
    as one line per trial. KerasTuner deep-copies the search callbacks for
    every trial; this callback returns itself from `__deepcopy__`, so that
    one object sees them all.

    Args:
        max_trials: number of trials the search will run, or `None` if
            unknown (Hyperband).
        objective: the `fit()` log to report (e.g. `"val_loss"`).
        direction: `"min"` or `"max"`, whether a lower or higher objective
            is better.

    Example:

    >>> progress = TrialProgress(max_trials=2)
    >>> for score in (0.5, 0.25):  # what two trials' fit() calls do
    ...     progress.on_train_begin()
    ...     progress.on_epoch_end(0, {"val_loss": score})
    ...     progress.on_train_end()
    trial 1/2: val_loss 0.5 (best 0.5), 0 s
    trial 2/2: val_loss 0.25 (best 0.25), 0 s
    >>> progress.trials, progress.best
    (2, 0.25)
    """

    def __init__(self, max_trials=None, objective="val_loss", direction="min"):
        super().__init__()
        if max_trials is not None and (
            isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1
        ):
            raise ValueError(
                f"`max_trials` must be a positive integer or None. Received: max_trials={max_trials!r}"
            )
        if direction not in ("min", "max"):
            raise ValueError(f"`direction` must be 'min' or 'max'. Received: direction={direction!r}")
        self.max_trials = max_trials
        self.objective = objective
        self.direction = direction
        self.trials = 0
        self.best = None
        self._score = None
        self._progbar = None

    def __deepcopy__(self, memo):
        return self

    def _better(self, a, b):
        if b is None:
            return True
        return a < b if self.direction == "min" else a > b

    def on_train_begin(self, logs=None):
        self._score = None
        self._started = time.time()
        if self._progbar is None and sys.stdout.isatty():
            self._progbar = keras.utils.Progbar(
                self.max_trials,
                stateful_metrics=[self.objective, f"best_{self.objective}"],
                unit_name="trial",
                interval=0.0,
            )

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.objective)
        if value is not None and self._better(float(value), self._score):
            self._score = float(value)

    def on_train_end(self, logs=None):
        self.trials += 1
        if self._score is not None and self._better(self._score, self.best):
            self.best = self._score
        if self._progbar is None:
            total = f"/{self.max_trials}" if self.max_trials else ""
            print(
                f"trial {self.trials}{total}: {self.objective} {_short(self._score)} "
                f"(best {_short(self.best)}), {time.time() - self._started:.0f} s",
                flush=True,
            )
            return
        values = []
        if self._score is not None:
            values.append((self.objective, self._score))
        if self.best is not None:
            values.append((f"best_{self.objective}", self.best))
        current = self.trials
        if self.max_trials is not None:
            current = min(current, self.max_trials)
        self._progbar.update(current, values=values)


def _short(value):
    return "n/a" if value is None else f"{value:.4g}"
