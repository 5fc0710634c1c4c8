"""Peers of the BV clustering, run on the same sector-regions as composer (issue 4, 8).

- :func:`kmeans_part`: size-bounded k-means (``k-means-constrained``: k-means with a
  min-cost-flow assignment step), the tool a data analyst would reach for. It sees the
  school coordinates only (projected to km), not the travel times or the objective.
- :func:`mip_part`: a compact MIP of the *same model* on HiGHS (``highspy``): school i in
  cluster slot k, a size indicator per slot, pair products, the per-round travel and the
  worst school's average travel linearised per size. Same objective, same integers.

Both take a :class:`composer.solvers.bv.PartTask` (the part's schools, travel minutes,
size bounds and cluster cap) and return clusters as lists of local indices (or None).
They are peers for the benchmark only: composer does not depend on them.
"""

from __future__ import annotations

import math
import time

import numpy as np

from composer.objective.bv import worst_count
from composer.solvers.bv import PartTask


def project_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Equirectangular projection to kilometres around the points' mean latitude."""
    lat0 = math.radians(float(np.mean(lat)))
    return np.column_stack([lon * 111.320 * math.cos(lat0), lat * 110.574])


def cluster_count(task: PartTask) -> int:
    """The number of clusters a peer is asked for: the most the part may form (its cap)."""
    from composer.bv_rules import cluster_count_range

    low, high = cluster_count_range(task.n, task.min_size, task.max_size, task.max_oversize)
    return max(low, min(high, task.max_clusters))


def kmeans_part(
    task: PartTask, xy: np.ndarray, seed: int = 0
) -> tuple[list[list[int]] | None, float]:
    """k-means-constrained with ``size_min``/``size_max`` and k = the part's cap."""
    from k_means_constrained import KMeansConstrained

    t0 = time.perf_counter()
    k = cluster_count(task)
    high = task.max_size + (1 if task.max_oversize else 0)
    if k <= 1:
        return [list(range(task.n))], time.perf_counter() - t0
    try:
        model = KMeansConstrained(
            n_clusters=k, size_min=task.min_size, size_max=high, random_state=seed, n_init=10
        )
        labels = model.fit_predict(xy)
    except Exception:  # the peer's own failure is a result, not a crash of the benchmark
        return None, time.perf_counter() - t0
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(int(label), []).append(i)
    return [groups[g] for g in sorted(groups)], time.perf_counter() - t0


def mip_part(
    task: PartTask, time_limit: float, threads: int = 1
) -> tuple[list[list[int]] | None, float | None, float]:
    """The compact MIP on HiGHS: (clusters or None, HiGHS's dual bound, seconds).

    Slots k < K (K = the cap), ``x[i,k]`` (symmetry: school i only in slots k <= i),
    ``z[k,s]`` slot k has size s, ``y[i,j,k] >= x[i,k] + x[j,k] - 1`` (pairs),
    ``c[k] >= 60 T_k / s - M (1 - z[k,s])`` with T_k the ordered travel sum of slot k and
    ``w[k] >= 60 R_ik / s - M (2 - z[k,s] - x[i,k])`` with R_ik school i's row in slot k.
    Objective: travel_weight * Σ c + worst_weight * Σ w (+ board pairs under 'apart');
    under ``bv.worst_travel_per = school`` the ``w`` rows of size s are times s (every
    member counts the slot's worst).
    Exact for sizes dividing 60 (the benchmark's 4..6); the 'together' board policy and
    wishes are not modelled (the national instance has neither).
    """
    import highspy

    t0 = time.perf_counter()
    n = task.n
    K = cluster_count(task)
    sizes = task.sizes()
    T = np.array(task.minutes, dtype=float).reshape(n, n)
    D = T + T.T
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(1.0, float(time_limit)))
    h.setOptionValue("threads", threads)
    h.setOptionValue("mip_rel_gap", 1e-6)
    inf = highspy.kHighsInf
    col_lo: list[float] = []
    col_hi: list[float] = []
    cost: list[float] = []
    integer: list[int] = []

    def var(lo: float, hi: float, c: float, is_int: bool) -> int:
        col_lo.append(lo)
        col_hi.append(hi)
        cost.append(c)
        if is_int:
            integer.append(len(col_lo) - 1)
        return len(col_lo) - 1

    x = {(i, k): var(0, 1, 0, True) for i in range(n) for k in range(min(i + 1, K))}
    z = {(k, s): var(0, 1, 0, True) for k in range(K) for s in sizes}
    board_cost = 60.0 * task.board_weight if task.board_policy == "apart" else 0.0
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    y = {}
    for i, j in pairs:
        same = bool(task.boards[i]) and task.boards[i] == task.boards[j]
        for k in range(min(i + 1, K)):
            y[i, j, k] = var(0, 1, board_cost if same else 0.0, False)
    c = [var(0, inf, float(task.travel_weight), False) for _ in range(K)]
    w = [var(0, inf, float(task.worst_weight), False) for _ in range(K)]
    rows_lo: list[float] = []
    rows_hi: list[float] = []
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []

    def row(lo: float, hi: float, terms: list[tuple[int, float]]) -> None:
        rows_lo.append(lo)
        rows_hi.append(hi)
        starts.append(len(index))
        for v, a in terms:
            index.append(v)
            value.append(a)

    for i in range(n):  # every school in exactly one slot
        row(1, 1, [(x[i, k], 1.0) for k in range(min(i + 1, K))])
    for k in range(K):  # slot size = chosen size (0 when unused)
        members = [(x[i, k], 1.0) for i in range(k, n)]
        row(0, 0, [*members, *((z[k, s], -float(s)) for s in sizes)])
        row(-inf, 1, [(z[k, s], 1.0) for s in sizes])
    for (i, j, k), v in y.items():  # pair product (minimisation keeps y at the max)
        row(-1, inf, [(v, 1.0), (x[i, k], -1.0), (x[j, k], -1.0)])
    big_t = float(D.sum())
    row_max = float(T.sum(axis=1).max())
    for k in range(K):
        slot_pairs = [(i, j) for i, j in pairs if k <= i]
        for s in sizes:
            m_s = 60.0 * big_t / s
            # c_k - 60/s * Σ D_ij y_ijk - M z_ks >= -M
            terms = [(c[k], 1.0), (z[k, s], -m_s)]
            terms += [(y[i, j, k], -60.0 * D[i, j] / s) for i, j in slot_pairs if D[i, j]]
            row(-m_s, inf, terms)
            per = worst_count(task.worst_per, s)
            m_w = 60.0 * row_max / s * per
            for i in range(k, n):
                # w_k - 60/s * Σ_j T_ij y_ijk - M z_ks - M x_ik >= -2M
                terms = [(w[k], 1.0), (z[k, s], -m_w), (x[i, k], -m_w)]
                for j in range(k, n):
                    if j == i or not T[i, j]:
                        continue
                    key = (min(i, j), max(i, j), k)
                    terms.append((y[key], -60.0 * T[i, j] / s * per))
                row(-2 * m_w, inf, terms)
    ncol = len(col_lo)
    h.addVars(ncol, np.array(col_lo), np.array(col_hi))
    h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), np.array(cost))
    if integer:
        h.changeColsIntegrality(
            len(integer),
            np.array(integer, dtype=np.int32),
            np.array([highspy.HighsVarType.kInteger] * len(integer)),
        )
    h.addRows(
        len(rows_lo),
        np.array(rows_lo),
        np.array(rows_hi),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value),
    )
    remaining = time_limit - (time.perf_counter() - t0)
    if remaining <= 0.5:
        return None, None, time.perf_counter() - t0
    h.setOptionValue("time_limit", remaining)
    h.run()
    info = h.getInfo()
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
    if info.primal_solution_status != 2:  # no feasible solution
        return None, bound, time.perf_counter() - t0
    sol = h.getSolution().col_value
    groups: dict[int, list[int]] = {}
    for (i, k), v in x.items():
        if sol[v] > 0.5:
            groups.setdefault(k, []).append(i)
    return [groups[k] for k in sorted(groups)], bound, time.perf_counter() - t0
