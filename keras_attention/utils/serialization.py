"""The `{"class_name", "config"}` entry of an object in export metadata."""


def class_and_config(obj):
    """`{"class_name": type name, "config": obj.get_config()}` of `obj`.

    How export metadata records a preprocessor, for
    `keras_attention.runtime` to rebuild it by class name.

    Example:

    >>> from keras_attention.utils.serialization import class_and_config
    >>> class Scaler:
    ...     def get_config(self):
    ...         return {"scale": 2.0}
    >>> class_and_config(Scaler())
    {'class_name': 'Scaler', 'config': {'scale': 2.0}}
    """
    return {"class_name": type(obj).__name__, "config": obj.get_config()}
