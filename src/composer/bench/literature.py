"""Public benchmark sets with published values: readers, evaluators, published values.

Three families from the operations-research literature measure composer's engines against
known answers (see ``../shared/bench/README.md``):

- ``cpmp`` capacitated p-median (Osman & Christofides; Ceselli & Righini): choose ``p``
  medians, assign every point to one, total demand per median at most ``Q``, minimise the
  sum of **floored** Euclidean distances point→median;
- ``gap`` generalized assignment (OR-Library): each job to one agent within the agents'
  capacities, minimise cost;
- ``mdgp`` maximally diverse grouping (MDGPLIB): partition into ``G`` groups with size
  bounds, maximise the sum of pairwise distances inside groups.

Every reader returns a frozen instance with an ``evaluate(solution)`` method: plain
Python that recomputes the objective of a solution and lists what is wrong with it, so the
bench checks every literature result the way ``composer check`` checks every plan — a
runner never grades itself. Published values come from ``BEST_KNOWN.csv`` and
``gap_orlib/data.csv`` through :func:`published_value`; a result better than a published
optimum is a bug in a reader, an objective or a solver, never a win.

The solution of each family is a list with one integer per item, in file order:
``cpmp`` the index of the median serving each point (a median serves itself), ``gap``
the agent of each job, ``mdgp`` the group of each element (groups are numbered in the
order of their bounds in the header).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from composer.errors import InputError, Issue

Kind = Literal["cpmp", "gap", "mdgp"]
Sense = Literal["min", "max"]

KINDS: tuple[Kind, ...] = ("cpmp", "gap", "mdgp")
SENSE: dict[str, Sense] = {"cpmp": "min", "gap": "min", "mdgp": "max"}
"""Objective direction of each family."""


@dataclass(frozen=True)
class Evaluation:
    """A solution recomputed: its objective and every rule of the family it breaks."""

    objective: float | None
    violations: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the solution is feasible."""
        return not self.violations


def _tokens(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Issue(f"cannot read the file: {exc}", str(path))]) from None


def _numbers(path: Path, tokens: Sequence[str], kind: str) -> list[float]:
    values: list[float] = []
    for i, token in enumerate(tokens):
        try:
            values.append(float(token))
        except ValueError:
            raise InputError(
                [
                    Issue(
                        f"token {i + 1} ({token!r}) is not a number",
                        str(path),
                        fix=f"give a {kind} file in the format of ../shared/bench/README.md",
                    )
                ]
            ) from None
    return values


def _bad(path: Path, message: str, kind: str) -> InputError:
    return InputError(
        [Issue(message, str(path), fix=f"give a {kind} file in the format described there")],
        f"{path.name} is not a valid {kind} file",
    )


def _exact_int(value: float) -> int | None:
    return int(value) if value.is_integer() else None


# --------------------------------------------------------------------------- CPMP


@dataclass(frozen=True)
class CpmpInstance:
    """A capacitated p-median instance: points with demands, ``p`` medians, capacity ``Q``."""

    name: str
    p: int
    capacity: int
    xy: tuple[tuple[float, float], ...]
    demand: tuple[int, ...]

    @property
    def n(self) -> int:
        """Number of points."""
        return len(self.xy)

    def distance(self, i: int, j: int) -> int:
        """The floor of the Euclidean distance (as the published optima use it)."""
        (xi, yi), (xj, yj) = self.xy[i], self.xy[j]
        dx, dy = xi - xj, yi - yj
        if dx.is_integer() and dy.is_integer():
            return math.isqrt(int(dx * dx + dy * dy))
        return math.floor(math.hypot(dx, dy))

    def evaluate(self, assignment: Sequence[int]) -> Evaluation:
        """Cost of ``assignment`` (median index per point) and what is infeasible in it."""
        problems: list[str] = []
        if len(assignment) != self.n:
            return Evaluation(None, (f"{len(assignment)} assignments for {self.n} points",))
        if any(not 0 <= m < self.n for m in assignment):
            return Evaluation(None, ("a point is assigned to a median outside 0..n-1",))
        medians = sorted(set(assignment))
        for m in medians:
            if assignment[m] != m:
                problems.append(f"median {m} is not assigned to itself")
        if len(medians) != self.p:
            problems.append(f"{len(medians)} medians used; exactly p={self.p} required")
        load: dict[int, int] = {}
        for i, m in enumerate(assignment):
            load[m] = load.get(m, 0) + self.demand[i]
        for m in medians:
            if load[m] > self.capacity:
                problems.append(f"median {m} serves demand {load[m]} > capacity {self.capacity}")
        cost = sum(self.distance(i, m) for i, m in enumerate(assignment))
        return Evaluation(float(cost), tuple(problems))


def read_cpmp(path: Path) -> CpmpInstance:
    """Read a CPMP file: ``problem_no value``, ``n p Q``, then ``id x y demand`` per point.

    The value on the first line is ignored (it is wrong for set 2; use
    :func:`published_value`).
    """
    path = Path(path)
    values = _numbers(path, _tokens(path), "CPMP")
    if len(values) < 5:
        raise _bad(path, "the file is too short for a CPMP header", "CPMP")
    n, p, q = (_exact_int(v) for v in values[2:5])
    if n is None or p is None or q is None or n <= 0 or not 0 < p <= n:
        raise _bad(path, "the second line must be 'n p Q' with 0 < p <= n", "CPMP")
    body = values[5:]
    if len(body) != 4 * n:
        raise _bad(
            path, f"expected {n} point lines of 'id x y demand', found {len(body) / 4:g}", "CPMP"
        )
    xy = tuple((body[4 * i + 1], body[4 * i + 2]) for i in range(n))
    demand: list[int] = []
    for i in range(n):
        d = _exact_int(body[4 * i + 3])
        if d is None or d < 0:
            raise _bad(path, f"point {i + 1}: demand must be a whole number >= 0", "CPMP")
        demand.append(d)
    return CpmpInstance(path.stem, p, q, xy, tuple(demand))


# --------------------------------------------------------------------------- GAP


@dataclass(frozen=True)
class GapInstance:
    """A generalized assignment instance: ``cost[i][j]`` and ``weight[i][j]`` of job ``j`` on
    agent ``i``, ``capacity[i]``; minimise cost."""

    name: str
    cost: tuple[tuple[int, ...], ...]
    weight: tuple[tuple[int, ...], ...]
    capacity: tuple[int, ...]

    @property
    def agents(self) -> int:
        """Number of agents (m)."""
        return len(self.capacity)

    @property
    def jobs(self) -> int:
        """Number of jobs (n)."""
        return len(self.cost[0]) if self.cost else 0

    def evaluate(self, assignment: Sequence[int]) -> Evaluation:
        """Cost of ``assignment`` (agent per job) and every capacity it exceeds."""
        if len(assignment) != self.jobs:
            return Evaluation(None, (f"{len(assignment)} assignments for {self.jobs} jobs",))
        if any(not 0 <= a < self.agents for a in assignment):
            return Evaluation(None, ("a job is assigned to an agent outside 0..m-1",))
        used = [0] * self.agents
        for j, a in enumerate(assignment):
            used[a] += self.weight[a][j]
        problems = tuple(
            f"agent {i} uses {used[i]} > capacity {self.capacity[i]}"
            for i in range(self.agents)
            if used[i] > self.capacity[i]
        )
        cost = sum(self.cost[a][j] for j, a in enumerate(assignment))
        return Evaluation(float(cost), problems)


def read_gap(path: Path) -> GapInstance:
    """Read one OR-Library GAP instance: ``m n``, costs m×n, resources m×n, capacities m."""
    path = Path(path)
    values = _numbers(path, _tokens(path), "GAP")
    if len(values) < 2:
        raise _bad(path, "the file is too short for a GAP header", "GAP")
    m, n = _exact_int(values[0]), _exact_int(values[1])
    if m is None or n is None or m <= 0 or n <= 0:
        raise _bad(path, "the first line must be 'm n' (agents, jobs)", "GAP")
    expected = 2 + 2 * m * n + m
    if len(values) != expected:
        raise _bad(
            path,
            f"expected {expected} numbers for m={m}, n={n}, found {len(values)} (a file with "
            "several instances must be split first)",
            "GAP",
        )
    ints = [_exact_int(v) for v in values]
    if any(v is None for v in ints):
        raise _bad(path, "costs, resources and capacities must be whole numbers", "GAP")
    flat = [int(v) for v in ints if v is not None]
    cost = tuple(tuple(flat[2 + i * n : 2 + (i + 1) * n]) for i in range(m))
    start = 2 + m * n
    weight = tuple(tuple(flat[start + i * n : start + (i + 1) * n]) for i in range(m))
    capacity = tuple(flat[start + m * n :])
    return GapInstance(path.name, cost, weight, capacity)


# --------------------------------------------------------------------------- MDGP


@dataclass(frozen=True)
class MdgpInstance:
    """A maximally diverse grouping instance: ``n`` elements, ``G`` groups with size bounds
    ``bounds[g] = (a_g, b_g)``, pairwise distances; maximise the within-group sum."""

    name: str
    n: int
    bounds: tuple[tuple[int, int], ...]
    equal_sizes: bool
    distance: dict[tuple[int, int], float] = field(repr=False)

    @property
    def groups(self) -> int:
        """Number of groups (G)."""
        return len(self.bounds)

    def d(self, i: int, j: int) -> float:
        """The distance of a pair (0 when the file lists none)."""
        return self.distance.get((i, j) if i < j else (j, i), 0.0)

    def evaluate(self, groups: Sequence[int]) -> Evaluation:
        """Within-group distance sum of ``groups`` (group per element) and size violations."""
        if len(groups) != self.n:
            return Evaluation(None, (f"{len(groups)} group labels for {self.n} elements",))
        if any(not 0 <= g < self.groups for g in groups):
            return Evaluation(None, ("an element is in a group outside 0..G-1",))
        sizes = [0] * self.groups
        for g in groups:
            sizes[g] += 1
        problems = tuple(
            f"group {g} has {sizes[g]} elements, outside {lo}..{hi}"
            for g, (lo, hi) in enumerate(self.bounds)
            if not lo <= sizes[g] <= hi
        )
        total = math.fsum(d for (i, j), d in self.distance.items() if groups[i] == groups[j])
        return Evaluation(total, problems)


def read_mdgp(path: Path) -> MdgpInstance:
    """Read an MDGPLIB file: ``n G ss|ds a1 b1 ... aG bG``, then ``i j d`` per pair."""
    path = Path(path)
    tokens = _tokens(path)
    if len(tokens) < 3 or tokens[2] not in {"ss", "ds"}:
        raise _bad(path, "the header must be 'n G ss|ds a1 b1 ... aG bG'", "MDGP")
    head = _numbers(path, tokens[:2], "MDGP")
    n, g = _exact_int(head[0]), _exact_int(head[1])
    if n is None or g is None or n <= 0 or g <= 0:
        raise _bad(path, "n and G must be positive whole numbers", "MDGP")
    raw_bounds = _numbers(path, tokens[3 : 3 + 2 * g], "MDGP")
    if len(raw_bounds) != 2 * g or any(_exact_int(v) is None for v in raw_bounds):
        raise _bad(path, f"the header needs {g} pairs of whole size bounds", "MDGP")
    bounds = tuple((int(raw_bounds[2 * k]), int(raw_bounds[2 * k + 1])) for k in range(g))
    rest = _numbers(path, tokens[3 + 2 * g :], "MDGP")
    if len(rest) % 3:
        raise _bad(path, "every pair line must be 'i j d'", "MDGP")
    distance: dict[tuple[int, int], float] = {}
    for k in range(0, len(rest), 3):
        i, j = _exact_int(rest[k]), _exact_int(rest[k + 1])
        if i is None or j is None or not (0 <= i < n and 0 <= j < n) or i == j:
            raise _bad(path, f"pair line {k // 3 + 1}: i and j must be distinct in 0..n-1", "MDGP")
        distance[(min(i, j), max(i, j))] = rest[k + 2]
    return MdgpInstance(path.stem, n, bounds, tokens[2] == "ss", distance)


LiteratureInstance = CpmpInstance | GapInstance | MdgpInstance

READERS: dict[str, Callable[[Path], LiteratureInstance]] = {
    "cpmp": read_cpmp,
    "gap": read_gap,
    "mdgp": read_mdgp,
}
"""The reader of each literature kind."""


def evaluate(kind: str, path: Path, solution: Sequence[int]) -> Evaluation:
    """Read the literature file ``path`` of ``kind`` and evaluate ``solution`` on it."""
    return READERS[kind](path).evaluate(solution)


# --------------------------------------------------------------------------- published


@dataclass(frozen=True)
class Published:
    """A published value: optimal (proven) or best known, with a proven bound when known."""

    value: float
    proven: bool
    bound: float | None
    sense: Sense
    source: str

    @property
    def label(self) -> str:
        """``optimal`` or ``best known``."""
        return "optimal" if self.proven else "best known"

    def gap(self, objective: float | None) -> float | None:
        """Relative distance of ``objective`` from this value; positive means worse."""
        if objective is None:
            return None
        scale = max(abs(self.value), 1e-9)
        diff = objective - self.value if self.sense == "min" else self.value - objective
        return diff / scale

    def beaten_by(self, objective: float | None) -> str | None:
        """Why ``objective`` cannot be right (better than an optimum or a proven bound), or
        None. A value merely better than a best-known value is reported too: on these
        long-studied sets it is almost surely a bug and must be verified."""
        if objective is None:
            return None
        eps = 1e-6 * max(1.0, abs(self.value))
        better = (
            objective < self.value - eps if self.sense == "min" else objective > self.value + eps
        )
        if not better:
            return None
        if self.proven:
            return f"better than the published optimum {self.value:g}"
        if self.bound is not None and (
            objective < self.bound - eps if self.sense == "min" else objective > self.bound + eps
        ):
            return f"better than the published bound {self.bound:g}"
        return f"better than the best known value {self.value:g} (verify before believing it)"


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _bound_from(value_type: str) -> float | None:
    # "best known (bound 12235)"
    if "bound" not in value_type:
        return None
    tail = value_type.split("bound", 1)[1].strip(" )")
    return _float(tail)


def published_values(literature_dir: Path) -> dict[str, Published]:
    """Every published value under ``literature_dir``, keyed by the file's relative path.

    ``BEST_KNOWN.csv`` first; GAP files not listed there are looked up by name in
    ``gap_orlib/data.csv`` (the OR-Library table of optima, bounds and best known values).
    """
    found: dict[str, Published] = {}
    best = Path(literature_dir) / "BEST_KNOWN.csv"
    if best.is_file():
        with best.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                value = _float(row.get("value"))
                if value is None or not row.get("file"):
                    continue
                vtype = (row.get("value_type") or "").strip().lower()
                proven = vtype.startswith("optimal")
                sense: Sense = "max" if "max" in (row.get("objective_sense") or "") else "min"
                found[row["file"]] = Published(
                    value,
                    proven,
                    value if proven else _bound_from(vtype),
                    sense,
                    (row.get("source") or "").strip(),
                )
    table = Path(literature_dir) / "gap_orlib" / "data.csv"
    if table.is_file():
        with table.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = f"gap_orlib/{Path(row.get('Path') or '').name}"
                if key in found:
                    continue
                optimum = _float(row.get("Optimum"))
                best_value = _float(row.get("Best known solution value"))
                bound = _float(row.get("Best known bound"))
                value = optimum if optimum is not None else best_value
                if value is None:
                    continue
                found[key] = Published(
                    value,
                    optimum is not None,
                    bound,
                    "min",
                    f"{row.get('Dataset', '')} via github.com/fontanf/generalizedassignmentsolver",
                )
    return found


def published_value(literature_dir: Path, relative_file: str) -> Published | None:
    """The published value of one file (path relative to ``literature_dir``), if any."""
    return published_values(literature_dir).get(Path(relative_file).as_posix())
