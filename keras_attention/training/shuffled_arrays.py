"""`ShuffledArrays`: batches in an order fixed by the seed and the epoch."""

import keras
import numpy as np


class ShuffledArrays(keras.utils.PyDataset):
    """Batches of arrays in an order fixed by the seed and the epoch.

    `model.fit(x, y, shuffle=True)` draws a new order each epoch from a
    random state that lives in the process, so a training resumed in a new
    process sees other batches than an uninterrupted one.  Pass it to `fit`
    with `shuffle=False` (`training.fit` does): Keras would otherwise also
    shuffle the order of its batches with Python's `random`. Here epoch `e` is
    always permutation `numpy.random.default_rng([seed, e])`, whatever ran
    before. The epoch is set by the callback from `epoch_callback()` (which
    `checkpoint_callbacks(..., data=this)` includes).

    Args:
        x: an array or a dict / list of arrays with the same first dimension.
        y: optional targets, likewise.
        batch_size: positive integer; the last batch may be smaller.
        shuffle: shuffle every epoch (`False`: the arrays' order).
        seed: integer seed of the permutations.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_attention import training
    >>> data = training.ShuffledArrays(np.arange(10), np.arange(10), batch_size=4, seed=0)
    >>> len(data), data.order(0).tolist() == data.order(0).tolist()
    (3, True)
    >>> data.order(1).tolist() != data.order(0).tolist()  # a new order per epoch
    True
    >>> x, y = data[0]
    >>> x.shape, bool((x == y).all())
    ((4,), True)
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
            )
        lengths = {len(a) for a in keras.tree.flatten((x, y)) if a is not None}
        if len(lengths) != 1:
            raise ValueError(
                "`x` and `y` must hold arrays with the same number of examples. "
                f"Received: lengths {sorted(lengths)}"
            )
        self.x, self.y = x, y
        self.num_examples = lengths.pop()
        if self.num_examples == 0:
            raise ValueError("`x` holds no examples. Received: 0 examples")
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.epoch = 0

    def __len__(self):
        return -(-self.num_examples // self.batch_size)

    def order(self, epoch):
        """The example order of `epoch`."""
        if not self.shuffle:
            return np.arange(self.num_examples)
        return np.random.default_rng([self.seed, int(epoch)]).permutation(self.num_examples)

    def __getitem__(self, index):
        if self._order_epoch != self.epoch:
            self._order = self.order(self.epoch)
            self._order_epoch = self.epoch
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]

        def take(a):
            return None if a is None else np.asarray(a)[rows]

        x = keras.tree.map_structure(take, self.x)
        if self.y is None:
            return (x,)
        return x, keras.tree.map_structure(take, self.y)

    _order_epoch = None
    _order = None

    def epoch_callback(self):
        """A callback that tells this dataset which epoch starts."""
        return _SetEpoch(self)


class _SetEpoch(keras.callbacks.Callback):
    def __init__(self, data):
        super().__init__()
        self.data = data

    def on_epoch_begin(self, epoch, logs=None):
        self.data.epoch = epoch


class EpochArrays(ShuffledArrays):
    """`ShuffledArrays` whose arrays are drawn anew for every epoch.

    `make_epoch(epoch)` returns the `(x, y)` of that epoch (same structure
    and number of examples every epoch); it is called once per epoch, when
    the epoch's first batch is asked for, and must depend only on `epoch`
    (so that a resumed run sees the same data as an uninterrupted one, as
    with `ShuffledArrays`). Used by the digit captioner to train on fresh
    canvases every epoch (`CaptionConfig.fresh_canvases`).

    Args:
        make_epoch: callable `epoch -> (x, y)`.
        batch_size, shuffle, seed, **kwargs: as `ShuffledArrays`.

    Example:

    >>> import numpy as np
    >>> from keras_attention import training
    >>> data = training.EpochArrays(lambda e: (np.full(4, e), np.zeros(4)), batch_size=4)
    >>> data[0][0].tolist(), len(data)
    ([0, 0, 0, 0], 1)
    >>> data.epoch = 3
    >>> data[0][0].tolist()
    [3, 3, 3, 3]
    """

    def __init__(self, make_epoch, batch_size=32, shuffle=True, seed=0, **kwargs):
        if not callable(make_epoch):
            raise ValueError(
                "`make_epoch` must be a callable `epoch -> (x, y)`. "
                f"Received: make_epoch={make_epoch!r}"
            )
        x, y = make_epoch(0)
        super().__init__(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, **kwargs)
        self.make_epoch = make_epoch
        self._arrays_epoch = 0

    def __getitem__(self, index):
        if self._arrays_epoch != self.epoch:
            x, y = self.make_epoch(self.epoch)
            lengths = {len(a) for a in keras.tree.flatten((x, y)) if a is not None}
            if lengths != {self.num_examples}:
                raise ValueError(
                    f"`make_epoch({self.epoch})` must return {self.num_examples} examples "
                    f"like epoch 0. Received: lengths {sorted(lengths)}"
                )
            self.x, self.y = x, y
            self._arrays_epoch = self.epoch
        return super().__getitem__(index)
