#!/usr/bin/python3
"""A cohort of recordings analysed with Dask through the resonant module.

    PYTHONPATH=build/release/python /usr/bin/python3 python/examples/dask_cohort.py DIR [OUT.csv]

Every file under DIR (recursively) is one task: resonant.analyze_table([path]) gives its row
(status "ok", "unusable" or "error" with the reason, and every metric). A LocalCluster with 2
worker processes runs them; the rows are gathered into one table sorted by path, written as CSV
(OUT.csv, or standard output). The same function scales out unchanged on a dask-distributed
cluster of several machines (Client("scheduler:8786") instead of the LocalCluster).
"""

import os
import pathlib
import sys

import pandas as pd
from dask.distributed import Client, LocalCluster

import resonant


def analyse(path):
    return resonant.analyze_table([path]).iloc[0].to_dict()


def recordings(folder):
    return sorted(str(p) for p in pathlib.Path(folder).rglob("*") if p.is_file())


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    paths = recordings(argv[1])
    # Processes, not threads: each worker imports the module once; loopback only.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        rows = client.gather(client.map(analyse, paths))
    table = pd.DataFrame(rows).sort_values("path", kind="stable").reset_index(drop=True)
    out = argv[2] if len(argv) > 2 else sys.stdout
    table.to_csv(out, index=False)
    ok = int((table["status"] == "ok").sum())
    print(f"{ok} of {len(table)} recordings analysed", file=sys.stderr)
    return 0 if ok == len(table) else 1


if __name__ == "__main__":
    # Workers are started by spawning: the pool must not start on import.
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    sys.exit(main(sys.argv))
