"""detect_beats, Monitor and replay: the CLI's `beats` and `replay` through the module."""

import csv
import io
import json
import threading

import numpy as np
import pytest

import resonant

# Decimals of `resonant replay` (engine/metric_format.cpp): time_s 3, metrics 2-4.
DECIMALS = {"lf_hf": 4, "coherence": 4, "coherence_peak_hz": 4, "corrected_pct": 2,
            "missing_pct": 2}


def jsonl_rows(text):
    return [json.loads(line) for line in text.splitlines() if line and '"event"' not in line]


def assert_rows_match(rows, cli_rows):
    assert len(rows) == len(cli_rows)
    for got, want in zip(rows, cli_rows):
        assert got.keys() == want.keys()
        for k, w in want.items():
            g = got[k]
            if w is None:
                assert g is None or np.isnan(g), k
            elif isinstance(w, bool) or k == "beats":
                assert g == w, k
            else:
                tol = 0.5 * 10.0 ** -DECIMALS.get(k, 3) + 1e-9
                assert abs(g - w) <= tol, (k, g, w)


def test_detect_beats_equals_cli_beats(data, cli):
    path = data / "nstdb_118e24.csv"
    signal = np.loadtxt(path)
    beats = resonant.detect_beats(signal, 360.0, kind="ecg")
    assert set(beats) == {"sample", "time_s", "quality", "flag"}
    assert beats["sample"].dtype == np.int64 and beats["time_s"].dtype == np.float64
    want = list(csv.DictReader(io.StringIO(
        cli("beats", path, "--input", "ecg", "--rate", "360").stdout)))
    assert len(want) == beats["sample"].size > 100
    np.testing.assert_array_equal(beats["sample"], [int(r["sample"]) for r in want])
    np.testing.assert_allclose(beats["time_s"], [float(r["time_s"]) for r in want], atol=5e-7)
    np.testing.assert_allclose(beats["quality"], [float(r["quality"]) for r in want], atol=5e-4)
    # and against the expert annotations: nearly every beat within 50 ms
    truth = np.loadtxt(data / "nstdb_118e24_ann.csv")
    near = [np.min(np.abs(truth - s)) <= 18 for s in beats["sample"]]
    assert np.mean(near) > 0.95


def test_detect_beats_ppg_and_bad_kind(data):
    table = np.genfromtxt(data / "neurokit_bio_resting_5min_100hz.csv", delimiter=",", names=True)
    beats = resonant.detect_beats(table["PPG"], 100.0, kind="ppg")
    bpm = 60.0 / np.median(np.diff(beats["time_s"]))
    assert 40 < bpm < 120 and beats["sample"].size > 200
    with pytest.raises(ValueError, match="kind"):
        resonant.detect_beats(table["PPG"], 100.0, kind="eeg")


def test_replay_equals_cli_jsonl(data, cli):
    path = data / "hrvanalysis_test_nn_intervals.txt"
    frame = resonant.replay(path)
    assert list(frame.columns) == resonant.metric_columns()
    cli_rows = jsonl_rows(cli("replay", path, "--format", "jsonl").stdout)
    rows = [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")]
    for r in rows:
        r["beat"] = bool(r["beat"])
    assert_rows_match(rows, cli_rows)


def test_replay_waveform_equals_cli(data, cli):
    path = data / "nstdb_118e24.csv"
    frame = resonant.replay(path, kind="ecg", rate_hz=360)
    cli_rows = jsonl_rows(
        cli("replay", path, "--format", "jsonl", "--input", "ecg", "--rate", "360").stdout)
    assert len(frame) == len(cli_rows) > 100
    np.testing.assert_allclose(frame["time_s"], [r["time_s"] for r in cli_rows], atol=5e-4)


def test_monitor_rr_equals_replay(data):
    rr = np.loadtxt(data / "hrvanalysis_test_nn_intervals.txt")
    m = resonant.Monitor("rr")
    m.push_rr(rr[:10])  # an array
    for v in rr[10:20]:
        m.push_rr(float(v))  # one number at a time
    m.push_rr(list(rr[20:]))  # a list
    m.finish()
    snaps = m.snapshots()
    frame = resonant.replay(data / "hrvanalysis_test_nn_intervals.txt")
    assert len(snaps) == len(frame)
    assert snaps[-1]["beats"] == rr.size == m.counters["intervals"]
    assert m.latest == snaps[-1]
    assert m.snapshots() == []  # drained
    for s, (_, row) in zip(snaps, frame.iterrows()):
        assert s["time_s"] == pytest.approx(row["time_s"], abs=1e-9)
        hr = row["hr_bpm"]
        assert (s["hr_bpm"] is None and np.isnan(hr)) or s["hr_bpm"] == pytest.approx(hr)
    assert snaps[-1]["rmssd_60s_ms"] is not None
    with pytest.raises(ValueError):
        m.push_samples(np.zeros(10))


def test_monitor_samples_and_threads(data):
    ecg = np.loadtxt(data / "nstdb_118e24.csv")
    monitors = [resonant.Monitor("ecg", rate_hz=360.0) for _ in range(2)]

    def feed(m):
        for i in range(0, ecg.size, 1000):
            m.push_samples(ecg[i:i + 1000])
        m.finish()

    threads = [threading.Thread(target=feed, args=(m,)) for m in monitors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = (m.snapshots() for m in monitors)
    assert a == b and len(a) > 100
    hr = [s["hr_bpm"] for s in a if s["hr_bpm"] is not None]
    assert 50 < np.median(hr) < 120
    assert monitors[0].counters["samples"] == ecg.size
    with pytest.raises(ValueError):
        resonant.Monitor("ecg")  # no rate
