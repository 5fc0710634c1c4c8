"""``composer bench``: run a benchmark suite, record it, judge it, report the history."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from composer.cli.main import echo_err, guarded
from composer.errors import EXIT_OK, EXIT_VIOLATIONS


@click.command()
@click.argument("suite", required=False)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    help="History file (SQLite) [default: benchmarks/history.sqlite in the repository].",
)
@click.option(
    "--report",
    "report",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the history as a self-contained HTML page. Without SUITE: only the report.",
)
@click.option(
    "--markdown",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write this run's figures as Markdown (for benchmarks/README.md).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    help="Relative objective tolerance of a regression [default: the suite's, else 0.005].",
)
@click.option(
    "--cluster",
    metavar="tcp://HOST:PORT",
    help="Run the entries on this Dask scheduler instead of local processes "
    "(needs composer[dask]).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Runs at once on this machine [default: cores / workers per run].",
)
@click.option("--only", multiple=True, help="Only this entry id or set (repeatable).")
@click.option(
    "--literature-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the public benchmark sets [default: the suite's literature_dir].",
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for generated instances [default: benchmarks/cache].",
)
@click.option(
    "--keep",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep every run's plan, spec and logs in this folder.",
)
@guarded
def bench(
    suite: str | None,
    db: Path | None,
    report: Path | None,
    markdown: Path | None,
    tolerance: float | None,
    cluster: str | None,
    jobs: int | None,
    only: tuple[str, ...],
    literature_dir: Path | None,
    cache: Path | None,
    keep: Path | None,
) -> None:
    """Run the benchmark SUITE (default smoke), record every run and flag regressions.

    SUITE is a name in benchmarks/suites/ or a .yaml path. Every run is measured in its own
    process, checked with `composer check` and stored in the history with the git commit.
    Exit 1 when a run regresses against the previous run of the same entry: objective worse
    than the tolerance, more than 1.5x slower at an equal objective, any violation, a failed
    run, or a result better than a published optimum (a bug). Exit 2 for a bad suite.
    See benchmarks/README.md.
    """
    from rich.console import Console

    from composer.bench.history import History
    from composer.bench.present import (
        literature_summary,
        literature_table,
        markdown_summary,
        peer_comparisons,
        peers_table,
        runs_table,
    )
    from composer.bench.report import write_report
    from composer.bench.runner import Outcome, run_suite
    from composer.bench.suite import find_suite, repository_root

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)  # logs: no wrapped columns
    if suite is None and report is not None:
        db = db or repository_root(Path.cwd()) / "benchmarks" / "history.sqlite"
        with History(db) as history:
            write_report(history, report)
        click.echo(f"wrote {report} from {db}")
        sys.exit(EXIT_OK)
    name = suite or "smoke"
    db = db or repository_root(find_suite(name).parent) / "benchmarks" / "history.sqlite"

    def progress(outcome: Outcome, done: int, total: int) -> None:
        r = outcome.record
        value = "-" if r.objective is None else f"{r.objective:g}"
        took = "" if r.wall_s is None else f" {r.wall_s:.1f}s"
        echo_err(
            f"[{done}/{total}] {r.entry} {r.solver}: {r.status} {value}{took} "
            f"{outcome.verdict.level}"
        )

    result = run_suite(
        name,
        db,
        tolerance=tolerance,
        cluster=cluster,
        jobs=jobs,
        only=only,
        literature_dir=literature_dir,
        cache=cache,
        keep_dir=keep,
        command=(
            shlex.join(["composer", *sys.argv[1:]])
            if sys.argv[1:2] == ["bench"]
            else f"composer bench {name}"
        ),
        progress=progress,
    )
    batch = result.batch
    commit = (batch.git_commit or "no git")[:10] + (
        " (uncommitted changes)" if batch.git_dirty else ""
    )
    console.print(
        runs_table(
            result.outcomes,
            f"suite {result.suite.name} · commit {commit} · composer {batch.tool_version} · "
            f"history {db}",
        )
    )
    comparisons = peer_comparisons(result.outcomes)
    if comparisons:
        console.print(peers_table(comparisons))
    summaries = [s for s in literature_summary(result.outcomes) if s.with_result]
    if summaries:
        console.print(literature_table(summaries))
    failed = [o for o in result.outcomes if o.verdict.failed]
    for o in result.outcomes:
        if o.verdict.level in {"changed", "warning", "skipped"} or o.verdict.failed:
            style = {"skipped": "dim", "changed": "yellow", "warning": "yellow"}.get(
                o.verdict.level, "bold red"
            )
            for reason in o.verdict.reasons:
                console.print(
                    f"[{style}]{o.verdict.level.upper()}[/{style}] {o.record.entry} "
                    f"({o.record.solver}): {reason}"
                )
    if report is not None:
        with History(db) as history:
            write_report(history, report)
        click.echo(f"wrote {report}")
    if markdown is not None:
        from composer.io.safe_write import atomic_write_text

        atomic_write_text(markdown, markdown_summary(result.outcomes, batch, result.suite.name))
        click.echo(f"wrote {markdown}")
    if result.interrupted:
        echo_err("interrupted: the runs that finished are recorded")
        sys.exit(130)
    if failed:
        bugs = sum(1 for o in failed if o.verdict.level == "bug")
        echo_err(
            f"{len(failed)} run(s) regressed"
            + (f", {bugs} of them better than a published optimum: a BUG" if bugs else "")
        )
        sys.exit(EXIT_VIOLATIONS)
    sys.exit(EXIT_OK)


COMMANDS = [bench]
