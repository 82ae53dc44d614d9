"""Check a folder (or an object-store prefix) of photos on Ray Data, one ``idphoto.Checker`` per
worker, and write what ``idphoto batch`` writes: ``OUT_DIR/report.jsonl`` (one JSON line per
photo: ``input``, ``verdict``, ``spec``, ``name``, ``report``), ``OUT_DIR/report.parquet`` and the
outputs of the photos that pass under ``OUT_DIR/out/``.

    python python/examples/ray_batch.py --spec cn/id-card --out-dir DIR INPUT [--workers N]

INPUT is a folder or a prefix Ray reads (``s3://bucket/photos/``, ``gs://...``, with the
filesystem's credentials in the environment). Locally it starts a Ray of its own
(``ray.init()``); on a cluster, run it with ``--address auto`` on a node of the cluster, or
``RAY_ADDRESS=ray://HEAD:10001`` from outside, or ``ray submit cluster.yaml ray_batch.py -- ...``.
Progress is shown as Ray Data shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Dict, List, Optional

import numpy as np

PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif")


class CheckPhotos:
    """A Ray Data actor: one ``idphoto.Checker`` (models loaded once) per worker process."""

    def __init__(self, spec: str, runtime: str = "auto", specs_dir: Optional[str] = None) -> None:
        import idphoto

        self.spec = spec
        self.checker = idphoto.Checker(runtime=runtime, specs_dir=specs_dir)
        self.errors = (idphoto.IdphotoError, OSError)

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, List[Any]]:
        rows: Dict[str, List[Any]] = {
            "input": [],
            "verdict": [],
            "report": [],
            "output": [],
            "error": [],
        }
        for path, data in zip(batch["path"], batch["bytes"]):
            rows["input"].append(str(path))
            try:
                report, output = self.checker.process(bytes(data), self.spec)
            except self.errors as e:  # a bad photo is a row with its error, never a lost row
                rows["verdict"].append("error")
                rows["report"].append(None)
                rows["output"].append(None)
                rows["error"].append(f"{type(e).__name__}: {e}")
                continue
            rows["verdict"].append(report["verdict"])
            rows["report"].append(json.dumps(report, ensure_ascii=False))
            rows["output"].append(output)
            rows["error"].append(None)
        return rows


def output_name(input_path: str, spec_extension: str) -> str:
    """The output's file name, as ``idphoto batch`` names it: the input's name plus the
    spec's extension (``photo.png`` -> ``photo.png.jpg``; ``photo.jpg`` stays ``photo.jpg``)."""
    base = os.path.basename(input_path)
    ext = os.path.splitext(base)[1].lower().lstrip(".")
    same = {"jpg": ("jpg", "jpeg"), "png": ("png",)}.get(spec_extension, (spec_extension,))
    return base if ext in same else f"{base}.{spec_extension}"


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="a folder or an object-store prefix of photos")
    ap.add_argument("--spec", required=True, help="the document spec, e.g. cn/id-card")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--workers", type=int, default=None, help="checker actors (default: the CPUs Ray has)")
    ap.add_argument("--batch-size", type=int, default=1,
                    help="photos per call of an actor (a check takes ~0.5 s: one keeps the workers evenly loaded)")
    ap.add_argument("--runtime", default="auto", choices=["auto", "tract", "onnxruntime"])
    ap.add_argument("--specs", default=None, help="a folder of *.toml specs added to the built-in ones")
    ap.add_argument("--address", default=None, help="an existing Ray cluster (`auto`, ray://HEAD:10001)")
    ap.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray (default: all)")
    args = ap.parse_args(argv)

    import idphoto
    import ray

    specs_dir = os.path.abspath(args.specs) if args.specs else None
    known = {s["id"]: s for s in idphoto.specs(specs_dir)}
    if args.spec not in known:
        import difflib

        near = difflib.get_close_matches(args.spec, known, n=1)
        hint = f"; did you mean `{near[0]}`?" if near else " (python -c 'import idphoto; print(idphoto.specs())')"
        raise SystemExit(f"error: unknown spec id `{args.spec}`{hint}")
    extension = known[args.spec]["format"]

    if args.address:
        ray.init(address=args.address, logging_level="WARNING")
    else:
        # a local Ray: no dashboard, whose processes would take CPU from the checks
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, logging_level="WARNING")
    workers = args.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))

    ctx = ray.data.DataContext.get_current()
    if not sys.stderr.isatty():
        # a log, not a terminal: Ray Data's periodic progress lines are enough
        ctx.enable_progress_bars = False
    t0 = time.perf_counter()
    # reading is I/O: it takes no CPU from the checkers (with every CPU held by a checker, a read
    # that asked for one would wait forever); small blocks spread the photos over the workers
    ds = ray.data.read_binary_files(
        args.input,
        include_paths=True,
        file_extensions=[e.lstrip(".") for e in PHOTO_EXTENSIONS],
        num_cpus=0,
        override_num_blocks=max(1, 4 * workers),
    )
    checked = ds.map_batches(
        CheckPhotos,
        fn_constructor_kwargs={"spec": args.spec, "runtime": args.runtime, "specs_dir": specs_dir},
        batch_size=args.batch_size,
        concurrency=workers,
        num_cpus=1,
    )
    rows = checked.take_all()
    took = time.perf_counter() - t0

    out_dir = args.out_dir
    os.makedirs(os.path.join(out_dir, "out"), exist_ok=True)
    rows.sort(key=lambda r: r["input"])
    written = []
    with open(os.path.join(out_dir, "report.jsonl.tmp"), "w", encoding="utf-8") as f:
        for r in rows:
            line: Dict[str, Any] = {"input": r["input"], "verdict": r["verdict"], "spec": args.spec}
            if r["verdict"] == "error":
                line["error"] = r["error"]
            else:
                report = json.loads(r["report"])
                name = output_name(r["input"], extension)
                line["name"] = name
                line["report"] = report
                if r["output"] is not None:
                    tmp = os.path.join(out_dir, "out", name + ".tmp")
                    with open(tmp, "wb") as o:
                        o.write(r["output"])
                    os.replace(tmp, os.path.join(out_dir, "out", name))
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            written.append(line)
    os.replace(os.path.join(out_dir, "report.jsonl.tmp"), os.path.join(out_dir, "report.jsonl"))
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({
            "input": [w["input"] for w in written],
            "verdict": [w["verdict"] for w in written],
            "spec": [w["spec"] for w in written],
            "report": [json.dumps(w.get("report"), ensure_ascii=False) for w in written],
        })
        pq.write_table(table, os.path.join(out_dir, "report.parquet"))
    except ImportError:
        pass
    counts: Dict[str, int] = {}
    for w in written:
        counts[w["verdict"]] = counts.get(w["verdict"], 0) + 1
    print(f"{len(written)} photos checked on {workers} Ray workers in {took:.1f} s "
          f"({len(written) / took:.2f} photos/s); verdicts: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if counts.get("error", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
