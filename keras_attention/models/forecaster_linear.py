"""`TimeSeriesForecaster.fit_linear`: the linear part (the highway) set by
ridge regression in closed form (`keras_attention.models.linear_part`)."""

import numpy as np

from keras_attention.models import forecaster_layers, linear_part


class ForecasterLinearPart:
    """Mixin of `TimeSeriesForecaster`: the closed-form fit of its linear part."""

    def fit_linear(
        self,
        x,
        y,
        validation_data=None,
        l2=None,
        level_l2=None,
        smooth_l2=None,
        refit=False,
        freeze=True,
        own_l2=None,
        naive=None,
    ):
        """Sets the linear part (the highway) by ridge regression, in closed form.

        Call it before `compile`/`fit` (it needs `highway=True`). The highway
        then holds a ridge regression fitted on `(x, y)` (see
        `keras_attention.models.linear_part`): with `residual=True`, a
        forecast of the change from the last value, from the window's
        changes and its last values, with four penalties (on the driving
        series' change weights, on the target's own change weights, on the
        level weights, on the roughness of each series' lag weights) chosen
        on `validation_data` (else on the last 20% of `x`, in time order); with `strategy="recursive"`, the one-step fit iterated
        over the horizon. As the network's output layer starts at zero, the
        model is then exactly this linear model, and training fits the
        network to what the linear part leaves. With `freeze`, the highway
        is not trained (the setting is saved with the model).

        Args:
            x: dict `{"drivers": (N, T, n), "past_target": (N, T_p, 1)}` (or
                the tuple) of training windows, in time order, as numpy
                arrays.
            y: `(N, horizon)` targets.
            validation_data: optional `(x_val, y_val)` to choose the
                penalties on.
            l2, level_l2, smooth_l2: fixed penalties of the driving series'
                change weights, the level weights and the roughness of the
                lag weights, instead of their search (`level_l2=float("inf")`
                drops the levels): numbers, or lists of one per horizon step
                (the returned dict's, to refit on more windows later).
            refit: after the search on `validation_data`, fit on `x` and
                `validation_data` together. Leave it off when the same
                validation data then selects the network's epochs (it would
                judge a linear part that has seen it); refit at the end
                instead, with the returned penalties:
                `fit_linear(x_and_val, y_and_val, **linear_part.chosen(info))`
                (the penalties and the naive choice of `info`).
            freeze: make the highway non-trainable.
            own_l2: fixed penalty of the target's own past changes (like
                `l2`; searched when `None`).
            naive: with `residual=True`, "repeat the last value" (every
                highway weight 0) is a candidate: the fit is used only if it
                beats it on the held-out windows by
                `linear_part.SEARCH_MARGIN` (default, `None`); a list of one
                boolean per horizon step fixes the choice; `False`: never.

        Returns:
            A dict: the chosen penalties and their held-out RMSE, per
            horizon step (of the one-step fit for `"recursive"`).

        Example:

        >>> import numpy as np
        >>> from keras_attention.models import TimeSeriesForecaster
        >>> model = TimeSeriesForecaster(window=4, num_features=1, units=4,
        ...                               residual=True, highway=True)
        >>> rng = np.random.default_rng(0)
        >>> x = {"drivers": rng.normal(size=(64, 4, 1)).astype("float32"),
        ...      "past_target": rng.normal(size=(64, 3, 1)).astype("float32")}
        >>> y = x["past_target"][:, -1] + 0.5 * x["drivers"][:, -1]
        >>> info = model.fit_linear(x, y, l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0)
        >>> bool(np.allclose(model.predict(x, verbose=0), y, atol=1e-4))
        True
        """
        if not self.highway:
            raise ValueError(
                "fit_linear() sets the highway: build the model with highway=True."
            )
        drivers, past, y = forecaster_layers.training_arrays(self, x, y)
        if not self.built:
            self.build()
        kernel, bias, info = linear_part.fit_linear_part(
            (drivers, past), y, self.window, self.num_features, self.past_target_length,
            residual=self.residual, strategy=self.strategy, validation_data=validation_data,
            l2=l2, level_l2=level_l2, smooth_l2=smooth_l2, refit=refit, own_l2=own_l2,
            naive=naive,
        )
        self.highway_layer.set_weights([kernel.astype("float32"), bias.astype("float32")])
        if freeze:
            self.highway_layer.trainable = False
        return info


def train_beyond_linear_part(model, train, evaluate_validation, keep_margin):
    """Trains the network of a model whose linear part is set, and keeps
    the untrained model (= the linear part) unless training beat it.

    The rule shared by the training recipe and the KerasTuner hypermodel:
    the best validation loss of any epoch must be `keep_margin` (a
    fraction) below the untrained model's; a smaller gain, the best of
    many noisy epochs, is mostly noise (bench/RESULTS.md, issue 17), and
    a non-finite loss (a diverged epoch) never counts. Where the trained
    model is kept, its weights are left as `train` left them (with early
    stopping's `restore_best_weights`, the best epoch's).

    Args:
        model: the model, after `fit_linear` and `compile`.
        train: callable `() -> History` (or its `history` dict) whose
            `val_loss` holds the validation loss of every epoch.
        evaluate_validation: callable `() -> dict` of the validation
            metrics of the model's current weights (`evaluate(...,
            return_dict=True)`), with `"loss"`.
        keep_margin: number in [0, 1).

    Returns:
        A dict: `result` (what `train` returned), `history` (its dict),
        `initial` (the untrained model's
        validation metrics), `best_epoch` (the kept epoch, 1-based; 0
        where the untrained model was kept) and `val_loss_kept` (its
        validation loss).
    """
    initial = dict(evaluate_validation())
    initial_weights = model.get_weights()
    result = train()
    history = dict(getattr(result, "history", result))
    losses = [float(v) for v in history.get("val_loss", [])]
    finite = [(loss, epoch) for epoch, loss in enumerate(losses, 1) if np.isfinite(loss)]
    best, best_epoch = min(finite) if finite else (None, None)
    if best is not None and best <= (1.0 - keep_margin) * initial["loss"]:
        return {"result": result, "history": history, "initial": initial,
                "best_epoch": best_epoch, "val_loss_kept": best}
    model.set_weights(initial_weights)
    return {"result": result, "history": history, "initial": initial, "best_epoch": 0,
            "val_loss_kept": float(initial["loss"])}
