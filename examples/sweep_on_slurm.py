"""A sweep on a SLURM cluster through dask-jobqueue: copy this file, edit the lines marked EDIT,
and run it on the login node (in a tmux/screen session: it holds the scheduler).

    pip install -e ".[cluster]"          # dask-jobqueue
    python examples/sweep_on_slurm.py

Each SLURM job starts `cores` Dask workers of one thread each (Numba, torch and BLAS set to one
thread, so that workers x threads = the cores SLURM gives); the sweep submits its points to them
and writes the records and the Dataset to OUT, which every node must see (a cluster file system).
Running the script again resumes the sweep: finished points are reused, interrupted ones continue
from their checkpoints. `python -c "from examples.sweep_on_slurm import make_cluster;
print(make_cluster().job_script())"` prints the job script SLURM will get, without submitting.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

OUT = os.path.expandvars("/scratch/$USER/glassbench-runs")     # EDIT: a folder every node sees
VENV = os.path.expanduser("~/glassbench/.venv")                # EDIT: where glassbench is installed


def make_cluster(cores: int = 8, memory: str = "32GB", walltime: str = "02:00:00",
                 account: str | None = None, queue: str | None = None):
    """One SLURM job = `cores` one-thread workers sharing `memory` (EDIT the defaults or pass them)."""
    from dask_jobqueue import SLURMCluster
    return SLURMCluster(
        cores=cores, processes=cores, memory=memory, walltime=walltime,
        account=account, queue=queue, log_directory="dask-logs",
        job_script_prologue=[f"source {VENV}/bin/activate",
                             "export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "
                             "NUMBA_NUM_THREADS=1"])


def main():
    from compare.sweeps import parse_spec, sweep
    cluster = make_cluster()                      # EDIT: account=..., queue=...
    cluster.scale(jobs=4)                         # EDIT: how many SLURM jobs (4 x 8 workers)
    spec = parse_spec("pspin", None, ["N=1000", "tmax=1000"],                      # EDIT: the sweep
                      ["T=0.45,0.5,0.55,0.6,0.7,0.8", "seed=0,1,2,3"])
    print(f"scheduler {cluster.scheduler_address}, dashboard {cluster.dashboard_link}")
    try:
        result = sweep(spec, OUT, scheduler=cluster.scheduler_address)
        o = result.outcome
        print(f"{o.count('reused')} reused, {o.count('ran')} run, {o.count('failed')} failed; "
              f"dataset {result.path}")
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
