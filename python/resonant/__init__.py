"""Resonant: HRV analysis, beat detection and the streaming engine, from Python.

The same C++ as the ``resonant`` command (pybind11):

- ``analyze(x, profile="kubios", settings={...})``: the report of ``resonant analyze --format json``
  as a dict, for RR intervals or beat times (a list or NumPy array) or a recording's path;
- ``analyze_table(paths)``: one row per recording (a pandas DataFrame when pandas is installed);
- ``detect_beats(signal, rate_hz, kind="ecg"|"ppg")``: NumPy arrays of beat index, time, quality;
- ``Monitor``: the streaming engine (push RR or samples, read snapshots);
- ``replay(path)``: the metric stream of ``resonant replay`` (a DataFrame when pandas is there).

Errors: ``InputError`` (the input cannot be read or interpreted) and ``UnusableData`` (read, but
too little for an analysis), both ValueError, with the CLI's messages.
"""

import os

import numpy as np

from ._resonant import (  # noqa: F401  (re-exported)
    InputError,
    Monitor,
    UnusableData,
    __version__,
    detect_beats,
    metric_columns,
)
from . import _resonant

__all__ = [
    "analyze",
    "analyze_table",
    "detect_beats",
    "Monitor",
    "replay",
    "metric_columns",
    "InputError",
    "UnusableData",
    "__version__",
]

_KINDS = {
    None: "auto",
    "auto": "auto",
    "rr": "rr",
    "beat_times": "beat-times",
    "beat-times": "beat-times",
    "peaks": "peaks",
    "ecg": "ecg",
    "ppg": "ppg",
}


def _setting_text(value):
    """A Python value as the text ``resonant analyze --set NAME=VALUE`` takes."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ",".join(_setting_text(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _request(profile, settings, artefacts, settings_from):
    assignments = [f"{name}={_setting_text(value)}" for name, value in (settings or {}).items()]
    return _resonant._request(
        profile=profile,
        artefacts=artefacts or "",
        settings_from=os.fspath(settings_from) if settings_from else "",
        set=assignments,
    )


def _input(kind=None, column=None, rate_hz=None, invert=False, units="auto",
           first_is_offset=False, strict=False):
    """The CLI's input options (--input, --column, --rate, --invert, --units, --first-is-offset,
    --strict) by keyword."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(k for k in _KINDS if k)}, not {kind!r}")
    return _resonant._input_options(
        input=_KINDS[kind],
        column="" if column is None else str(column),
        rate_hz=float(rate_hz or 0.0),
        invert=bool(invert),
        units=units,
        first_is_offset=bool(first_is_offset),
        strict=bool(strict),
    )


def analyze(x, profile="kubios", settings=None, *, artefacts=None, settings_from=None,
            name="array", **input_options):
    """HRV report of a recording: the dict of ``resonant analyze --format json``.

    x: a path (str or os.PathLike: any file the CLI reads), or numbers (list or 1-D array):
    RR intervals (ms or s) or beat times (s or ms), told apart as the CLI does for a one-column
    file unless ``kind="rr"`` or ``kind="beat_times"`` says. profile: "kubios" or "neurokit".
    settings: {name: value} as ``--set NAME=VALUE`` (names as in the report's "parameters").
    artefacts ("none", "kubios"), settings_from (a Kubios report) and the input options kind,
    column, rate_hz, invert, units, first_is_offset, strict are the CLI's options of the same
    names; name names an array in messages. Unknown values are None.
    """
    request = _request(profile, settings, artefacts, settings_from)
    options = _input(**input_options)
    if isinstance(x, (str, os.PathLike)):
        return _resonant._analyze_path(os.fspath(x), request, options)
    values = np.asarray(x, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"expected a one-dimensional series of numbers, got shape {values.shape}")
    return _resonant._analyze_values(values, name, request, options)


def flatten_report(report):
    """A report as one flat row: keys "section.name" (as ``--format csv``), parameters left out;
    lists become their length-prefixed text."""
    row = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, list):
            row[prefix] = "; ".join(str(v) for v in value)
        else:
            row[prefix] = value

    walk("", {k: v for k, v in report.items() if k != "parameters"})
    return row


def _table_row(path, profile, settings, options):
    row = {"path": os.fspath(path), "status": "ok", "error": None}
    try:
        row.update(flatten_report(analyze(path, profile, settings, **options)))
        row["path"] = os.fspath(path)
    except UnusableData as e:
        row.update(status="unusable", error=str(e))
    except (InputError, ValueError, OSError) as e:
        row.update(status="error", error=str(e))
    return row


def analyze_table(paths, profile="kubios", settings=None, *, jobs=1, **options):
    """One row per recording, in the order given: path, status ("ok", "unusable" or "error"),
    error, and every metric of the report flattened as "section.name". One bad file gives a row
    with its reason and does not stop the others. jobs > 1 analyses that many recordings at once
    on threads (the C++ runs without the GIL). Returns a pandas DataFrame when pandas is
    importable, else a list of dicts. ``options`` are analyze()'s keywords (kind, rate_hz, ...)."""
    paths = list(paths)
    if jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            rows = list(pool.map(lambda p: _table_row(p, profile, settings, options), paths))
    else:
        rows = [_table_row(p, profile, settings, options) for p in paths]
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows)


def replay(path, *, block=4096, **input_options):
    """The metric stream of ``resonant replay PATH``: a row per snapshot with the columns of
    ``metric_columns()`` (NaN where unknown). A pandas DataFrame when pandas is importable (the
    recording's events, e.g. session phases, in ``df.attrs["events"]``), else a dict of NumPy
    arrays with the events under "events". input_options: as analyze()'s (kind, rate_hz, ...)."""
    options = _input(**input_options)
    columns, events = _resonant._replay(os.fspath(path), options, int(block))
    try:
        import pandas as pd
    except ImportError:
        columns["events"] = events
        return columns
    frame = pd.DataFrame(columns)
    frame.attrs["events"] = events
    return frame
