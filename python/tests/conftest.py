"""Shared fixtures: the data folder, the built CLI, and a field-by-field comparison.

ctest sets PYTHONPATH (the built package), RESONANT_CLI (the built `resonant`) and RESONANT_DATA
(the repository's data/ folder); python/CMakeLists.txt registers the files here.
"""

import json
import math
import os
import pathlib
import subprocess

import pytest


@pytest.fixture(scope="session")
def data():
    return pathlib.Path(os.environ["RESONANT_DATA"]) / "recordings"


@pytest.fixture(scope="session")
def cli():
    path = os.environ["RESONANT_CLI"]

    def run(*args, check=True):
        done = subprocess.run(
            [path, *map(str, args)], capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"resonant {' '.join(map(str, args))}: {done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    def run(*args):
        return json.loads(cli("analyze", "--format", "json", *args).stdout)

    return run


def assert_same(a, b, path="", rel=1e-12):
    """Equal field by field: same keys, same types, floats within rel (exact when rel = 0)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert sorted(a) == sorted(b), f"{path}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}", rel)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]", rel)
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), path
        assert math.isclose(a, b, rel_tol=rel, abs_tol=0.0) or a == b, f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
