"""One export in a fresh process, so that its peak memory is its own.

    python -m benchmarks.probe {claimreview,archive,audit} --database-url URL --output FILE
        [--tracemalloc]

`claimreview` runs the command `flask --app app export claimreview -o FILE` (the streamed
DataFeed of every published verdict); `archive` runs `export_archive` (what
`flask --app app archive export` writes); `audit` runs `flask --app app audit export -o FILE`.

Prints one JSON line: seconds, the process's peak RSS before and after (VmHWM, see
peak_rss_mb), and with --tracemalloc the peak of Python allocations made during the export
(tracemalloc slows the export down: time it without). The peak RSS is reset
(/proc/self/clear_refs) once the application is loaded, so that the difference is the export's
own.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import time
import tracemalloc
from pathlib import Path


def peak_rss_mb() -> float:
    """The process's peak RSS (VmHWM): what getrusage's ru_maxrss reports, except that
    ru_maxrss also keeps the peak of the process that started this one (Linux carries it over
    exec), and cannot be reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start the peak RSS over from the current RSS (Linux >= 4.0): the import of
    claims.passwords hashes a dummy password with argon2 (64 MiB), a peak that would hide
    anything the export allocates below it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def current_rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe")
    parser.add_argument("export", choices=["claimreview", "archive", "audit"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)

    from benchmarks import settings
    from claims import create_app
    from claims.export import archive

    app = create_app(settings.overrides(args.database_url))
    runner = app.test_cli_runner()
    # Everything imported and connected once, so that what follows is the export's own.
    runner.invoke(args=["db", "status"])
    reset = reset_peak_rss()
    before = {"peak_rss_mb": peak_rss_mb(), "rss_mb": current_rss_mb()}
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    items = 0
    if args.export == "claimreview":
        result = runner.invoke(args=["export", "claimreview", "-o", str(args.output)])
        if result.exit_code != 0:
            raise SystemExit(f"export claimreview failed: {result.output}")
        found = re.search(r"(\d+) ClaimReview\(s\) exported, (\d+) skipped", result.output)
        items = int(found.group(1)) if found else -1
        skipped = int(found.group(2)) if found else -1
    elif args.export == "audit":
        result = runner.invoke(args=["audit", "export", "-o", str(args.output)])
        if result.exit_code != 0:
            raise SystemExit(f"audit export failed: {result.output}")
        skipped = 0
    else:
        with app.app_context(), open(args.output, "wb") as handle:
            summary = archive.export_archive(handle)
        items = sum(summary.rows.values())
        skipped = 0
    seconds = time.perf_counter() - started
    if args.export == "audit":
        with open(args.output, "rb") as handle:
            items = sum(1 for _ in handle)
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    print(
        json.dumps(
            {
                "seconds": seconds,
                "items": items,
                "skipped": skipped,
                "bytes": args.output.stat().st_size,
                "peak_rss_before_mb": before["peak_rss_mb"],
                "rss_before_mb": before["rss_mb"],
                "peak_rss_after_mb": peak_rss_mb(),
                "traced_peak_mb": traced,
                "peak_rss_was_reset": reset,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
