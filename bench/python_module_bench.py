#!/usr/bin/python3
"""The Python module against the CLI: one 24-hour analysis, and 8 short analyses on 1 and 2
threads (the GIL is released in the C++). Usage (bench/README.md):
    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_module_bench.py \
        data/recordings/nsr2db_nsr001_rr_secs.txt
"""
import pathlib
import sys
import threading
import time

import numpy as np

import resonant


def timed(f):
    start = time.perf_counter()
    result = f()
    return time.perf_counter() - start, result


def main(path):
    seconds, report = timed(lambda: resonant.analyze(path, first_is_offset=True))
    print(f"analyze(24 h path): {seconds:.2f} s, {report['input']['n_beats']} beats")
    rr = np.loadtxt(pathlib.Path(path).parent / "hrvanalysis_test_nn_intervals.txt")

    def four():
        for _ in range(4):
            resonant.analyze(rr, kind="rr")

    one, _ = timed(lambda: (four(), four()))

    def two_threads():
        threads = [threading.Thread(target=four) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    two, _ = timed(two_threads)
    print(f"8 analyses of 1000 RR: 1 thread {one:.2f} s, 2 threads {two:.2f} s "
          f"(speed-up {one / two:.2f})")


if __name__ == "__main__":
    main(sys.argv[1])
