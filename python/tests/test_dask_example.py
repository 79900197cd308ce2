"""The Dask example runs: a LocalCluster of 2 workers over a folder of recordings."""

import os
import pathlib
import shutil
import subprocess
import sys

import pandas as pd
import pytest

import resonant

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "dask_cohort.py"


def test_dask_cohort_example(data, tmp_path):
    folder = tmp_path / "cohort"
    (folder / "welltory").mkdir(parents=True)
    for i in range(1, 6):
        name = f"welltory/subject_0{i}_RR.txt"
        shutil.copy(data / name, folder / name)
    shutil.copy(data / "hrvanalysis_test_nn_intervals.txt", folder)
    (folder / "broken.txt").write_text("no numbers here\n")
    out = tmp_path / "table.csv"
    done = subprocess.run([sys.executable, str(EXAMPLE), str(folder), str(out)],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert done.returncode == 1, done.stderr  # one file is broken
    table = pd.read_csv(out)
    assert len(table) == 7
    assert list(table["path"]) == sorted(table["path"])
    assert list(table["status"]).count("ok") == 6
    broken = table[table["path"].str.endswith("broken.txt")].iloc[0]
    assert broken["status"] == "error" and "broken.txt" in broken["error"]
    one = resonant.analyze(folder / "hrvanalysis_test_nn_intervals.txt")
    row = table[table["path"].str.endswith("nn_intervals.txt")].iloc[0]
    assert row["time_domain.rmssd_ms"] == pytest.approx(one["time_domain"]["rmssd_ms"], rel=1e-12)
    assert "6 of 7 recordings analysed" in done.stderr
