"""A campaign's plan carried out on Ray (the ``ray`` package; ``pip install caeward[campaign]``).

By default a local Ray is started inside this process: nothing to set up. With an
``address`` it joins a running Ray cluster (``ray start --head`` on one machine,
``ray start --address=<head>:6379`` on the others), so that several GPUs or machines
share the work; every node then needs this package installed and the results and the
cache on a path all of them see (``CAEWARD_RESULTS`` and ``CAEWARD_CACHE``, passed on
to the workers with every other ``CAEWARD_*`` variable).

Jobs are Ray tasks of one CPU each; on a cluster with GPUs each also takes
``gpus_per_job`` of a GPU, so that several trainings share one. The driver submits a
job when the jobs it waits for are done and a slot is free, and only if its estimate
fits in the time left; at the time limit it stops the jobs still running. What they
finished is stored (result files and checkpoints are written atomically, trainings
are locked while made), and a stopped training resumes from its last epoch next time.
"""

from __future__ import annotations

import os
import time

from .campaign import Plan, Summary, execute, next_job

__all__ = ["start_ray", "cluster_gpus", "run_plan"]


def start_ray(address: str | None = None, **init_options) -> bool:
    """Start a local Ray in this process, or join the cluster at ``address``, with
    this process's ``CAEWARD_*`` variables and ``PYTHONPATH`` passed to the workers.
    Returns whether this call started it (and so should shut it down).

    Raises
    ------
    ImportError
        Ray is not installed (the message says how to install it).
    """
    try:
        import ray
    except ImportError as exc:
        raise ImportError("the campaign runs on Ray, which is not installed: pip install 'ray>=2.9' "
                          "(or pip install 'caeward[campaign]')") from exc
    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k.startswith("CAEWARD_") or k == "PYTHONPATH"}
    options = {"include_dashboard": False, "log_to_driver": False, **init_options}
    # "local": a Ray of its own, never one that happens to run on this machine already
    # (ray.init() without an address joins that one, and its jobs wait on the other's work)
    ray.init(address=address or "local", runtime_env={"env_vars": env}, **options)
    return True


def cluster_gpus() -> float:
    """How many GPUs the Ray cluster has (0 without)."""
    import ray
    return float(ray.cluster_resources().get("GPU", 0))


def run_plan(plan: Plan, *, time_limit: float | None = None, gpus_per_job: float = 0.25,
             progress: bool = True) -> Summary:
    """Carry out ``plan`` on the running Ray (see :func:`start_ray`).

    Parameters
    ----------
    plan : Plan
    time_limit : float, optional
        Seconds from now: no job starts whose estimate ends after it, and at it the
        jobs still running are stopped.
    gpus_per_job : float
        The fraction of a GPU each job takes where the cluster has GPUs.
    progress : bool
        A tqdm bar over the jobs.

    Returns
    -------
    Summary
    """
    import ray
    from tqdm.auto import tqdm

    gpus = cluster_gpus()
    per_job = {"num_cpus": 1, "num_gpus": gpus_per_job if gpus else 0, "max_retries": 0}
    slots = int(ray.cluster_resources().get("CPU", 1))
    if gpus:
        slots = min(slots, int(gpus / gpus_per_job))
    task = ray.remote(execute).options(**per_job)
    summary = Summary(skipped=[f"{m} / {d} / seed {s}" for m, d, s in plan.skipped])
    start, pending, running, finished, failed = time.monotonic(), list(plan.jobs), {}, set(), set()
    bar = tqdm(total=len(pending), desc="campaign", unit="job", disable=not progress)

    def seconds_left():
        return None if time_limit is None else time_limit - (time.monotonic() - start)

    try:
        while pending or running:
            for job in [j for j in pending if failed & set(j.after)]:  # what it waits for failed
                pending.remove(job)
                summary.failed.append((job.name, f"needs {', '.join(sorted(failed & set(job.after)))}, which failed"))
                failed.add(job.name)
                bar.update()
            left = seconds_left()
            if left is not None and left <= 0:
                break
            ready = [j for j in pending if set(j.after) <= finished]
            while ready and len(running) < slots:
                job = next_job(ready, left)
                if job is None:
                    break
                ready.remove(job)
                pending.remove(job)
                running[task.remote(job, plan.budget.name)] = job
            if not running:
                break  # nothing fits in the time left, or nothing can start
            done, _ = ray.wait(list(running), num_returns=1, timeout=None if left is None else max(left, 0.1))
            for ref in done:
                job = running.pop(ref)
                try:
                    line = ray.get(ref)
                except Exception as exc:  # the job's own error, re-raised by Ray
                    summary.failed.append((job.name, _reason(exc)))
                    failed.add(job.name)
                else:
                    summary.done.append(line)
                    finished.add(job.name)
                bar.update()
    finally:
        for ref, job in running.items():  # the time limit, or an interrupt: stop them
            ray.cancel(ref, force=True)
            summary.stopped.append(job.name)
        summary.not_started += [job.name for job in pending]
        bar.close()
    return summary


def _reason(exc: Exception) -> str:
    """The last line of a failed job's error: its exception type and message."""
    cause = getattr(exc, "cause", None) or exc
    return f"{type(cause).__name__}: {str(cause).strip().splitlines()[-1] if str(cause).strip() else ''}"
