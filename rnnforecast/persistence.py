"""Save and load fitted models without pickle: a zip archive of arrays and JSON.

``save(model, path)`` writes one ``.npz`` archive (NumPy's zip of ``.npy`` files) holding

- ``model.json``: the format version, the rnnforecast version, and the model as a tree
  of plain JSON values, in which every array is a reference into the archive and every
  object is its class name and its attributes;
- ``a<k>.npy``: the arrays (weights, scaling, residuals, labels), stored without pickle.

``load(path)`` reads it back with ``allow_pickle=False``: no code from the file runs.
Objects are rebuilt only for classes of rnnforecast and scikit-learn (plus NumPy's random
generator): each is made with ``cls.__new__`` and given its attributes, so neither the
class's ``__init__`` nor any method runs. Anything else in the file is refused.

What is saved is the whole fitted state: parameters, weights, the window scaling, the
classes, window length, target feature, calibration residuals and the optimizer state,
so a loaded estimator predicts bit for bit as the saved one, forecasts with the same
intervals, and can continue training (``partial_fit``, ``warm_start``). A dict of models
(e.g. what :func:`rnnforecast.forecasting.fit_many` returns) is saved the same way.

A file written by another rnnforecast version loads with a warning; a file that is not
such an archive, is truncated, or holds unknown types raises a ``ValueError``.
"""

import datetime
import importlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ._version import __version__

__all__ = ["load", "save"]

#: Version of the archive layout; a reader refuses layouts newer than it knows.
FORMAT_VERSION = 1
MANIFEST = "model.json"
#: Packages whose classes are rebuilt (with ``__new__``, no method called): rnnforecast's
#: own, and scikit-learn's for the models that rnnforecast objects hold (e.g. a Ridge).
TRUSTED_PACKAGES = ("rnnforecast.", "sklearn.")


# --------------------------------------------------------------------------- encode
class _Encoder:
    """Turns a model into a JSON tree, collecting its arrays on the side."""

    def __init__(self):
        self.arrays = {}

    def array(self, value):
        if value.dtype.kind == "O":  # e.g. feature_names_in_: strings in an object array
            items = value.tolist()
            if not all(isinstance(item, str) for item in value.ravel()):
                raise ValueError(
                    "The 'model' argument of save holds an object array with non-string "
                    f"items; only numbers and strings can be saved. Got dtype {value.dtype}.")
            return {"__strings__": items}
        name = f"a{len(self.arrays)}"
        # a Fortran-ordered array keeps its order (np.save records it), so that the
        # loaded model multiplies in the same order and predicts bit for bit as before
        self.arrays[name] = value if value.flags.f_contiguous and not \
            value.flags.c_contiguous else np.ascontiguousarray(value)
        return {"__array__": name}

    def encode(self, value):
        """The JSON tree of ``value``."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return {"__scalar__": value.dtype.str, "value": value.item()}
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return {"__namedtuple__": _class_name(value),
                    "fields": {k: self.encode(v) for k, v in value._asdict().items()}}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(item) for item in value]}
        if isinstance(value, dict):
            return self.mapping(value)
        if isinstance(value, (pd.Timestamp, datetime.datetime, datetime.date)):
            return self.moment(value)
        if isinstance(value, np.random.Generator):
            return {"__generator__": type(value.bit_generator).__name__,
                    "state": value.bit_generator.state}
        if isinstance(value, (pd.Series, pd.DataFrame, pd.Index)):
            return self.pandas(value)
        return self.instance(value)

    @staticmethod
    def moment(value):
        """A date or a time as ISO text, tagged with its type (a holiday list, say):
        pandas' Timestamp (its time zone in the text), datetime's datetime or date."""
        kind = "timestamp" if isinstance(value, pd.Timestamp) else \
            "datetime" if isinstance(value, datetime.datetime) else "date"
        return {f"__{kind}__": value.isoformat()}

    def pandas(self, value):
        """A Series or DataFrame of numeric columns, or an index, as arrays and names."""
        if isinstance(value, pd.Index):
            return {"__index__": _index_fields(value, self)}
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        bad = [c for c in frame.columns if frame[c].dtype.kind not in "fiub"]
        if bad:
            raise ValueError(
                "The 'model' argument of save holds a DataFrame with non-numeric columns "
                f"{bad[:5]}, which cannot be saved without pickle.")
        return {"__frame__": isinstance(value, pd.DataFrame),
                "name": None if isinstance(value, pd.DataFrame) else self.encode(value.name),
                "columns": [self.encode(c) for c in frame.columns],
                "values": [self.array(frame[c].to_numpy()) for c in frame.columns],
                "index": _index_fields(frame.index, self)}

    def mapping(self, value):
        if not all(isinstance(key, str) for key in value):
            return {"__items__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        return {"__dict__": {k: self.encode(v) for k, v in value.items()}}

    def instance(self, value):
        name = _class_name(value)
        if not name.startswith(TRUSTED_PACKAGES) or not hasattr(value, "__dict__"):
            raise ValueError(
                f"The 'model' argument of save holds a {name}, which cannot be saved "
                "without pickle: only rnnforecast and scikit-learn objects, NumPy arrays, "
                "numeric pandas objects and plain values can. Use pickle (from a trusted "
                "source only) for other objects.")
        state = value.__getstate__() if hasattr(value, "__getstate__") else vars(value)
        state = {k: v for k, v in (state or {}).items() if k != "_rnnforecast_version"}
        return {"__object__": name, "state": self.mapping(state)}


def _index_fields(index, encoder):
    """A pandas index as plain fields: a RangeIndex by its bounds, a DatetimeIndex by its
    int64 timestamps (with unit, time zone and frequency), any other by its values."""
    fields = {"name": encoder.encode(index.name)}
    if isinstance(index, pd.RangeIndex):
        return {**fields, "range": [index.start, index.stop, index.step]}
    if isinstance(index, pd.DatetimeIndex):
        return {**fields, "datetimes": encoder.array(index.asi8), "unit": index.unit,
                "tz": None if index.tz is None else str(index.tz),
                "freq": None if index.freq is None else index.freqstr}
    if index.dtype.kind not in "fiub" and not all(isinstance(v, str) for v in index):
        raise ValueError(
            f"The 'model' argument of save holds a pandas {type(index).__name__} of dtype "
            f"{index.dtype}, which cannot be saved without pickle.")
    values = index.to_numpy()
    return {**fields, "values": encoder.array(values.astype(object) if values.dtype.kind == "O"
                                              else values)}


def _class_name(value):
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


# --------------------------------------------------------------------------- decode
class _Decoder:
    """Rebuilds a model from its JSON tree and the archive's arrays."""

    def __init__(self, arrays, path):
        self.arrays, self.path = arrays, path

    def decode(self, tree):
        if isinstance(tree, list):
            return [self.decode(item) for item in tree]
        if not isinstance(tree, dict):
            return tree
        tag = next(iter(tree), None)
        handler = getattr(self, "_" + str(tag).strip("_"), None) if tag else None
        if handler is None:
            raise self.corrupt(f"an unknown entry {tag!r}")
        return handler(tree)

    def _array(self, tree):
        name = tree["__array__"]
        if name not in self.arrays:
            raise self.corrupt(f"a missing array {name!r}")
        return self.arrays[name]

    def _strings(self, tree):
        return np.array(tree["__strings__"], dtype=object)

    def _scalar(self, tree):
        return np.dtype(tree["__scalar__"]).type(tree["value"])

    def _timestamp(self, tree):
        return pd.Timestamp(tree["__timestamp__"])

    def _datetime(self, tree):
        return datetime.datetime.fromisoformat(tree["__datetime__"])

    def _date(self, tree):
        return datetime.date.fromisoformat(tree["__date__"])

    def _tuple(self, tree):
        return tuple(self.decode(item) for item in tree["__tuple__"])

    def _dict(self, tree):
        return {k: self.decode(v) for k, v in tree["__dict__"].items()}

    def _items(self, tree):
        return {self.decode(k): self.decode(v) for k, v in tree["__items__"]}

    def _namedtuple(self, tree):
        cls = self.package_class(tree["__namedtuple__"])
        return cls(**{k: self.decode(v) for k, v in tree["fields"].items()})

    def _generator(self, tree):
        bit_generator = getattr(np.random, tree["__generator__"], None)
        if not (isinstance(bit_generator, type) and
                issubclass(bit_generator, np.random.BitGenerator)):
            raise self.corrupt(f"an unknown random generator {tree['__generator__']!r}")
        generator = np.random.Generator(bit_generator())
        generator.bit_generator.state = tree["state"]
        return generator

    def _frame(self, tree):
        columns = [self.decode(c) for c in tree["columns"]]
        values = [self.decode(v) for v in tree["values"]]
        frame = pd.DataFrame(dict(zip(range(len(columns)), values)),
                             index=self.index(tree["index"]))
        frame.columns = columns
        return frame if tree["__frame__"] else frame.iloc[:, 0].rename(
            self.decode(tree["name"]))

    def _index(self, tree):
        return self.index(tree["__index__"])

    def index(self, fields):
        name = self.decode(fields["name"])
        if "range" in fields:
            return pd.RangeIndex(*fields["range"], name=name)
        if "datetimes" in fields:
            stamps = self.decode(fields["datetimes"]).astype(f"datetime64[{fields['unit']}]")
            index = pd.DatetimeIndex(stamps, name=name)
            if fields["tz"] is not None:
                index = index.tz_localize("UTC").tz_convert(fields["tz"])
            return pd.DatetimeIndex(index, freq=fields["freq"])
        return pd.Index(self.decode(fields["values"]), name=name)

    def _object(self, tree):
        cls = self.package_class(tree["__object__"])
        obj = cls.__new__(cls)
        obj.__dict__.update(self.decode(tree["state"]))
        return obj

    def package_class(self, name):
        """The rnnforecast class called ``name``; anything else is refused."""
        module, _, qualname = name.rpartition(".")
        if not (module + ".").startswith(TRUSTED_PACKAGES):
            raise self.corrupt(f"a class from outside rnnforecast and scikit-learn, {name!r}")
        try:
            cls = importlib.import_module(module)
            for part in qualname.split("."):
                cls = getattr(cls, part)
        except (ImportError, AttributeError):
            raise ValueError(
                f"The file {self.path} holds a {name}, which this rnnforecast version "
                f"({__version__}) does not have. Load it with the version that saved it."
            ) from None
        if not isinstance(cls, type):
            raise self.corrupt(f"{name!r}, which is not a class")
        return cls

    def corrupt(self, what):
        return ValueError(f"The file {self.path} is not a valid rnnforecast model file: it "
                          f"holds {what}. Save the model again with rnnforecast.save.")


# --------------------------------------------------------------------------- public
def save(model, path):
    """Save a fitted model (or a dict of them) to ``path``, without pickle.

    Parameters
    ----------
    model : rnnforecast estimator or forecaster, or dict of str -> such models
        Anything made of rnnforecast objects, NumPy arrays and plain values.
    path : str or path-like
        File to write, conventionally ending in ``.npz``; written to a temporary file
        beside it and renamed, so an existing file is replaced only by a complete one.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        If the model holds an object that cannot be saved this way.
    """
    path = Path(path)
    encoder = _Encoder()
    tree = encoder.encode(model)
    manifest = {"format": FORMAT_VERSION, "rnnforecast": __version__, "model": tree}
    descriptor, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=path.name,
                                             suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _write_archive(handle, manifest, encoder.arrays)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def _write_archive(handle, manifest, arrays):
    """A zip of ``model.json`` and one ``.npy`` file per array."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())


def load(path):
    """Load a model saved by :func:`save`; no code from the file runs.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    model : the saved estimator, forecaster or dict of them

    Raises
    ------
    ValueError
        If the file is not an rnnforecast model file, is truncated or corrupted, or
        holds a class this version does not have.

    Warns
    -----
    UserWarning
        If the file was written by another rnnforecast version.
    """
    path = Path(path)
    manifest, arrays = _read_archive(path)
    if not isinstance(manifest, dict) or manifest.get("format") is None:
        raise _Decoder({}, path).corrupt("no model description")
    if manifest["format"] > FORMAT_VERSION:
        raise ValueError(
            f"The file {path} uses model file format {manifest['format']}, newer than this "
            f"rnnforecast version ({__version__}) reads (format {FORMAT_VERSION}). Upgrade "
            "rnnforecast to load it.")
    if manifest.get("rnnforecast") != __version__:
        warnings.warn(
            f"The file {path} was saved by rnnforecast {manifest.get('rnnforecast')} and is "
            f"loaded by rnnforecast {__version__}: the model's internal state may differ, "
            "which can break it or change its predictions. Refit it with this version, or "
            "load it with the version that saved it.", UserWarning, stacklevel=2)
    return _Decoder(arrays, path).decode(manifest.get("model"))


def _read_archive(path):
    """The manifest (parsed JSON) and the arrays of an archive, or a ValueError."""
    if not path.is_file():
        raise ValueError(f"The 'path' argument of load must be an existing file. Got {path}.")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
            arrays = {name[:-4]: np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
                      for name in archive.namelist() if name.endswith(".npy")}
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError) as exc:
        raise ValueError(
            f"The file {path} is not a valid rnnforecast model file ({type(exc).__name__}: "
            f"{exc}). It may be truncated or of another kind; save the model again with "
            "rnnforecast.save.") from None
    return manifest, arrays
