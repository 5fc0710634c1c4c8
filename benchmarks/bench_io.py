"""How long reading and writing an instance takes in each format, at national scale.

Builds a seeded synthetic instance (default 20,000 learners, 3,000 schools, 1,200 LOS
networks), writes it as a CSV folder, a workbook and JSON, and times writing and loading
(loading includes all validation). Usage::

    PYTHONPATH=src python benchmarks/bench_io.py [--learners 20000] [--out DIR]

Timings depend on the machine; the numbers in the io report were taken on a shared
2-core machine.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from composer.io import load_instance, write_instance
from composer.model.instance import Instance


def synthetic(learners: int, seed: int = 1) -> Instance:
    """A valid instance of the given size: schools, networks, facilitators, learners."""
    rng = random.Random(seed)
    n_schools = max(10, learners * 3 // 20)
    n_regions = 35
    n_networks = max(1, learners // 17)
    regions = [{"id": f"R{r:02d}", "name": f"Regio {r}"} for r in range(n_regions)]
    schools = [
        {
            "id": f"{s:04d}AA",
            "name": f"School {s}",
            "sector": rng.choice(["po", "vo", "go"]),
            "region": f"R{s % n_regions:02d}",
            "holiday_region": rng.choice(["north", "middle", "south"]),
            "lat": round(rng.uniform(50.8, 53.4), 5),
            "lon": round(rng.uniform(3.4, 7.2), 5),
            "pupils": rng.randint(80, 2000),
            "bv_subsidy": rng.random() < 0.4,
        }
        for s in range(n_schools)
    ]
    blocks = [
        {"id": str(b + 1), "start": f"{8 + 2 * b:02d}:30", "end": f"{10 + 2 * b:02d}:00"}
        for b in range(4)
    ]
    facilitators: list[dict[str, Any]] = []
    networks = []
    for n in range(n_networks):
        so, io = f"SO{n:05d}", f"IO{n:05d}"
        facilitators.append({"id": so, "name": f"SO {n}", "role": "schoolopleider"})
        facilitators.append(
            {"id": io, "name": f"IO {n}", "role": "instituutsopleider", "available_days": ["tue"]}
        )
        networks.append(
            {
                "id": f"N{n:05d}",
                "region": f"R{n % n_regions:02d}",
                "type": "opleiding",
                "location": schools[n % n_schools]["id"],
                "schoolopleider": so,
                "second_facilitator": io,
                "components": ["PH"] if n % 2 else [],
            }
        )
    kinds = ["student", "starter", "zij_instromer", "statushouder", "onbevoegd"]
    people = [
        {
            "id": f"L{i:06d}",
            "name": f"Learner {i}",
            "kind": rng.choice(kinds),
            "home_school": schools[rng.randrange(n_schools)]["id"],
            "needs": ["PH"] if rng.random() < 0.3 else [],
            "roster": {d: [str(rng.randint(1, 4))] for d in ("mon", "wed") if rng.random() < 0.5},
            "email": f"learner{i}@example.nl",
        }
        for i in range(learners)
    ]
    data = {
        "name": "bench",
        "calendar": {
            "time_blocks": blocks,
            "school_years": [{"id": "2026-2027", "start": "2026-08-01", "end": "2027-07-31"}],
        },
        "regions": regions,
        "schools": schools,
        "learners": people,
        "facilitators": facilitators,
        "los": {"components": [{"id": "PH", "name": "Pedagogisch Handelen"}], "networks": networks},
    }
    return Instance.model_validate(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    t0 = time.perf_counter()
    instance = synthetic(args.learners)
    print(
        f"built {len(instance.learners)} learners, {len(instance.schools)} schools, "
        f"{len(instance.los.networks)} networks, {len(instance.facilitators)} facilitators "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    root = args.out or Path(tempfile.mkdtemp(prefix="bench-io-"))
    root.mkdir(parents=True, exist_ok=True)
    for fmt, name in (("json", "bench.json"), ("csv", "bench-csv"), ("xlsx", "bench.xlsx")):
        dest = root / name
        if dest.is_dir():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
        t0 = time.perf_counter()
        write_instance(instance, dest, fmt)
        written = time.perf_counter() - t0
        t0 = time.perf_counter()
        back = load_instance(dest)
        loaded = time.perf_counter() - t0
        size = (
            sum(p.stat().st_size for p in dest.iterdir()) if dest.is_dir() else dest.stat().st_size
        )
        assert back == instance
        print(f"{fmt:<5} write {written:6.1f}s  load {loaded:6.1f}s  size {size / 1e6:6.1f} MB")
    if args.out is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
