"""The Python package's cost against the command-line tool, on the same photos and cores.

    python python/examples/bench_python.py [PHOTO_DIR] [--copies N] [--cpus 2]

1. Ray: `ray_batch.py` on a local Ray with `--cpus` CPUs and as many workers, against
   `idphoto batch --threads CPUS`, each on the photos once and `--copies` times: photos per
   second end to end (the larger run; Ray's own start left out, a cluster is up before a job),
   and at steady state: the photos the larger run adds over the time it adds, which leaves out
   what a run pays once (Ray starting its workers and their models, batch loading its models).
2. One photo at a time: `idphoto.Checker.process` in a loop, against `idphoto batch --threads 1`
   (its model load subtracted, measured on a run of one photo): milliseconds per photo.

Prints `RESULT ray_rps=.. batch_rps=.. ray_steady_rps=.. batch_steady_rps=.. ray_vs_batch=..
python_ms=.. cli_ms=.. python_overhead_pct=..` (`ray_vs_batch`: the steady-state ratio).
The photos default to `../shared/photos` beside the repository, else `tests/fixtures/photos`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("IDPHOTO_BIN", ROOT / "target" / "release" / "idphoto"))
SPEC = "cn/id-card"


def wall(cmd: list) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("photos", nargs="?", default=None)
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--cpus", type=int, default=2)
    args = ap.parse_args()
    src = Path(args.photos) if args.photos else (
        ROOT.parent / "shared" / "photos" if (ROOT.parent / "shared" / "photos").is_dir()
        else ROOT / "tests" / "fixtures" / "photos")
    files = sorted(p for p in src.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    tmp = Path(tempfile.mkdtemp(prefix="idphoto-bench-"))
    try:
        small, inp = tmp / "small", tmp / "in"
        small.mkdir()
        inp.mkdir()
        for f in files:
            shutil.copy(f, small / f.name)
        for c in range(args.copies):
            for f in files:
                shutil.copy(f, inp / f"{c}-{f.name}")
        n, n_small = args.copies * len(files), len(files)

        # 1. Ray against batch, on the same CPUs
        def batch(folder: Path, out: str) -> float:
            return wall([str(BIN), "batch", "--spec", SPEC, "--threads", str(args.cpus),
                         "--out-dir", str(tmp / out), str(folder)])

        def ray_run(folder: Path, out: str) -> float:
            run = subprocess.run(
                [sys.executable, str(ROOT / "python" / "examples" / "ray_batch.py"), "--spec", SPEC,
                 "--out-dir", str(tmp / out), "--workers", str(args.cpus), "--num-cpus",
                 str(args.cpus), "--runtime", "tract", str(folder)],
                capture_output=True, text=True, check=False)
            m = re.search(r"in ([0-9.]+) s", run.stdout)
            if run.returncode != 0 or m is None:
                raise SystemExit(f"ray_batch failed:\n{run.stdout}\n{run.stderr[-3000:]}")
            return float(m.group(1))

        batch_small, batch_s = batch(small, "batch-small"), batch(inp, "batch")
        ray_small, ray_s = ray_run(small, "ray-small"), ray_run(inp, "ray")
        batch_steady = (n - n_small) / (batch_s - batch_small)
        ray_steady = (n - n_small) / (ray_s - ray_small)

        # 2. one photo at a time: Python against the CLI
        one = tmp / "one"
        one.mkdir()
        shutil.copy(files[0], one / files[0].name)
        startup_and_one = min(wall([str(BIN), "batch", "--spec", SPEC, "--threads", "1",
                                    "--out-dir", str(tmp / f"one-{i}"), str(one)]) for i in range(2))
        serial_s = wall([str(BIN), "batch", "--spec", SPEC, "--threads", "1",
                         "--out-dir", str(tmp / "serial"), str(inp)])
        cli_ms = (serial_s - startup_and_one) / (n - 1) * 1e3

        import idphoto

        checker = idphoto.Checker(runtime="tract")
        checker.process(files[0], SPEC)  # warm-up
        paths = sorted(inp.iterdir())
        t0 = time.perf_counter()
        for p in paths:
            checker.process(p, SPEC)
        python_ms = (time.perf_counter() - t0) / len(paths) * 1e3

        ray_rps, batch_rps = n / ray_s, n / batch_s
        print(
            f"RESULT ray_rps={ray_rps:.2f} batch_rps={batch_rps:.2f} "
            f"ray_steady_rps={ray_steady:.2f} batch_steady_rps={batch_steady:.2f} "
            f"ray_vs_batch={ray_steady / batch_steady:.2f} "
            f"python_ms={python_ms:.0f} cli_ms={cli_ms:.0f} "
            f"python_overhead_pct={(python_ms / cli_ms - 1) * 100:.1f} photos={n} cpus={args.cpus}"
        )
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
