"""resonant.analyze and analyze_table: the same report as `resonant analyze --format json`."""

import pathlib

import numpy as np
import pytest

import resonant
from conftest import assert_same

# (file under data/recordings, CLI options, the same as analyze() keywords)
CASES = [
    ("hrvanalysis_test_nn_intervals.txt", [], {}),
    ("welltory/subject_01_RR.txt", [], {}),
    ("mitdb/100.atr", [], {}),
    ("nsr2db_nsr001_rr_secs.txt", ["--first-is-offset"], {"first_is_offset": True}),
    ("nstdb_118e24.csv", ["--input", "ecg", "--rate", "360"], {"kind": "ecg", "rate_hz": 360}),
    ("neurokit_bio_resting_5min_100hz.csv", ["--column", "PPG", "--input", "ppg", "--rate", "100"],
     {"column": "PPG", "kind": "ppg", "rate_hz": 100}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_path_equals_cli_json(data, cli_json, name, args, kwargs):
    path = data / name
    # Floats exact: the same C++ computes both, and the JSON text round-trips doubles.
    assert_same(resonant.analyze(path, **kwargs), cli_json(path, *args), rel=0.0)


def test_profile_and_settings_equal_cli(data, cli_json):
    path = data / "hrvanalysis_test_nn_intervals.txt"
    got = resonant.analyze(
        str(path), profile="neurokit", settings={"detrending": "none", "welch_segment": 120.0}
    )
    want = cli_json(path, "--profile", "neurokit", "--set", "detrending=none",
                    "--set", "welch_segment=120.0")
    assert_same(got, want, rel=0.0)
    assert got["profile"] == "neurokit"


def test_array_equals_cli_on_the_file(data, cli_json):
    path = data / "hrvanalysis_test_nn_intervals.txt"
    rr = np.loadtxt(path)
    got = resonant.analyze(rr)
    want = cli_json(path)
    for section in want:
        if section != "input":
            assert_same(got[section], want[section], section, rel=1e-12)
    assert got["input"]["kind"] == "rr"
    assert got["input"]["n_beats"] == want["input"]["n_beats"]


def test_list_seconds_and_beat_times(data):
    rr_ms = np.loadtxt(data / "hrvanalysis_test_nn_intervals.txt")
    base = resonant.analyze(rr_ms, kind="rr")
    # the same intervals in seconds, as a list: the CLI's unit detection
    in_s = resonant.analyze(list(rr_ms / 1000.0))
    assert in_s["time_domain"]["rmssd_ms"] == pytest.approx(base["time_domain"]["rmssd_ms"], 1e-12)
    # beat times: detected as such, the same intervals
    times = np.concatenate([[0.0], np.cumsum(rr_ms) / 1000.0])
    bt = resonant.analyze(times)
    assert bt["input"]["kind"] == "beat-times"
    assert bt["time_domain"]["rmssd_ms"] == pytest.approx(base["time_domain"]["rmssd_ms"], 1e-9)
    forced = resonant.analyze(times, kind="beat_times")
    assert forced["time_domain"]["mean_nn_ms"] == pytest.approx(bt["time_domain"]["mean_nn_ms"])


def test_strided_array_is_read_correctly(data):
    rr = np.loadtxt(data / "hrvanalysis_test_nn_intervals.txt")
    wide = np.zeros((rr.size, 2))
    wide[:, 0] = rr
    got = resonant.analyze(wide[:, 0], kind="rr")  # not contiguous: copied by forcecast
    assert_same(got, resonant.analyze(rr, kind="rr"), rel=0.0)


def test_errors_are_the_cli_messages(tmp_path):
    with pytest.raises(resonant.UnusableData, match="usable intervals"):
        resonant.analyze([800.0, 810.0, 790.0], kind="rr")
    with pytest.raises(resonant.InputError):
        resonant.analyze(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="profile"):
        resonant.analyze([800.0, 810.0] * 25, kind="rr", profile="nope")
    with pytest.raises(ValueError):
        resonant.analyze([800.0, 810.0] * 25, kind="rr", settings={"no_such_setting": 1})
    with pytest.raises(ValueError):
        resonant.analyze(np.ones((3, 3)))


def test_analyze_table_rows_and_reasons(data, tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("not,a\nrecording,at all\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    good = data / "hrvanalysis_test_nn_intervals.txt"
    table = resonant.analyze_table([good, broken, empty, data / "welltory/subject_02_RR.txt"])
    assert list(table["status"]) == ["ok", "error", "error", "ok"]
    assert table["error"][0] is None and table["error"][1]
    assert str(broken) in table["error"][1]
    ok = resonant.analyze(good)
    assert table["time_domain.rmssd_ms"][0] == ok["time_domain"]["rmssd_ms"]
    assert pathlib.Path(table["path"][3]).name == "subject_02_RR.txt"
    # on 2 threads: the same table, in the same order
    threaded = resonant.analyze_table([good, broken, empty, data / "welltory/subject_02_RR.txt"],
                                      jobs=2)
    assert threaded.fillna(-1).equals(table.fillna(-1))
