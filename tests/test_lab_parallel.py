"""Replications give the same results whatever runs them (1 or K processes, a Dask cluster),
and Ctrl-C keeps the replications already finished."""

from __future__ import annotations

import pytest

from sim.lab import Task, compare, make_variants, run_task, run_tasks
from sim.lab.execute import LabError
from sim.scenario import parse_scenario


def small_day() -> object:
    data = {
        "scenario": {"id": "lab_small", "interval_s": 1800, "start_clock": "09:00", "drain_s": 1800},
        "arrivals": {"phone": [50, 60], "chat": [20, 20], "email": [6, 6]},
        "policies": {"staffing": [5, 5], "supervisors": 1},
    }
    return parse_scenario(data, "lab_small")


def slow_pure() -> object:
    """A pure-queue day of a few hundred milliseconds, so that a stop finds tasks still pending."""
    data = {
        "scenario": {"id": "lab_slow", "mode": "pure_queue", "interval_s": 3600, "drain_s": 600},
        "arrivals": {"phone": [3000] * 2},
        "pure_queue": {"handle_mean_s": 60, "patience_mean_s": 120},
        "policies": {"staffing": [50] * 2, "channels_open": ["phone"], "wrap_up_s": 0},
    }
    return parse_scenario(data, "lab_slow")


@pytest.fixture(scope="module")
def variants() -> list:
    return make_variants(small_day(), [["more", "staffing+=1"], ["refunds", "authority_limit=100"]])


@pytest.fixture(scope="module")
def serial(variants: list) -> object:
    return compare(variants, replications=4, base_seed=7, workers=1)


def test_results_do_not_depend_on_the_number_of_workers(variants: list, serial: object) -> None:
    for workers in (2, 3):
        parallel = compare(variants, replications=4, base_seed=7, workers=workers)
        assert parallel.runs == serial.runs  # type: ignore[attr-defined]
        assert parallel.seeds == [7, 8, 9, 10]
    assert serial.rows() == compare(variants, replications=4, base_seed=7, workers=2).rows()  # type: ignore[attr-defined]


def test_common_random_numbers_give_every_variant_the_same_customers(serial: object) -> None:
    offered = [[r["kpis"]["service_level"] is not None for r in runs] for runs in serial.runs]  # type: ignore[attr-defined]
    assert all(all(o) for o in offered)
    # arrivals come from their own streams: the same number of first contacts in every variant
    tasks = [Task(v.scenario, 7, "intervals") for v in serial.variants]  # type: ignore[attr-defined]
    firsts = [sum(i["offered"] for i in r["intervals"]) for r in run_tasks(tasks).results]  # type: ignore[index]
    assert min(firsts) > 0


def _stop_after(n: int):
    seen: list[int] = []

    def hook(i: int, _out: dict) -> None:
        seen.append(i)
        if len(seen) == n:
            raise KeyboardInterrupt

    return hook


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_keeps_the_finished_replications(workers: int) -> None:
    scen = slow_pure()
    tasks = [Task(scen, s) for s in range(12)]
    batch = run_tasks(tasks, workers=workers, on_result=_stop_after(2))
    assert batch.interrupted
    assert 2 <= batch.done < len(tasks)
    if workers == 1:
        assert batch.done == 2
    for i, r in enumerate(batch.results):
        if r is not None and i < 4:
            assert r == run_task(tasks[i])


def test_a_stopped_comparison_uses_whole_replications_only(variants: list) -> None:
    c = compare(variants, replications=3, workers=1, on_result=_stop_after(4))
    assert c.interrupted and c.complete == [0]  # 4 of 9 runs: replication 0 of all 3 variants, 1 of the next
    assert all(r.mean is not None and r.mean.n == 1 for r in c.rows())


def test_bad_worker_counts_are_refused() -> None:
    with pytest.raises(LabError):
        run_tasks([Task(small_day(), 1)], workers=0)  # type: ignore[arg-type]


def test_a_dask_cluster_gives_the_same_results(variants: list, serial: object) -> None:
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (optional extra: pip install 'servicefloor[dask]')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = compare(variants, replications=4, base_seed=7, scheduler=cluster.scheduler_address)
    assert remote.runs == serial.runs  # type: ignore[attr-defined]
    assert not remote.interrupted
