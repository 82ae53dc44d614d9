"""The Python package against the command-line tool it wraps: same reports, every input type,
every error kind, thread sharing, the runtime choice, and a Ray run equal to `idphoto batch`.

Run: `pip install . pytest numpy` (plus `onnxruntime` and `ray[data]` for their tests), then
`pytest python/tests`. The CLI is `target/release/idphoto` (`IDPHOTO_BIN` overrides)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import idphoto

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
BAD = ROOT / "tests" / "fixtures" / "bad"
BIN = Path(os.environ.get("IDPHOTO_BIN", ROOT / "target" / "release" / "idphoto"))
SPEC = "cn/id-card"
NAMES = sorted(p.name for p in PHOTOS.iterdir())


def cli_report(photo: Path, spec: str = SPEC, *extra: str) -> dict:
    if not BIN.exists():
        pytest.fail(f"{BIN} is missing: cargo build --release first")
    out = subprocess.run(
        [str(BIN), "check", "--spec", spec, "--json", "-", *extra, str(photo)],
        capture_output=True,
        check=False,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def checker() -> idphoto.Checker:
    # tract: the runtime of the CLI build the reports are compared with
    return idphoto.Checker(runtime="tract")


@pytest.fixture(scope="module")
def badge_specs(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("specs")
    (d / "office").mkdir()
    (d / "office" / "badge.toml").write_text(
        'extends = "cn/id-card"\nname = { zh = "工牌", en = "Office badge" }\n'
        "[checks.mouth_closed]\nenabled = false\n",
        encoding="utf-8",
    )
    return d


@pytest.mark.parametrize("name", NAMES)
def test_check_a_path_equals_the_cli(checker, name):
    assert checker.check(PHOTOS / name, SPEC) == cli_report(PHOTOS / name)


def test_bytes_array_and_path_give_one_report(checker):
    path = PHOTOS / "obama.jpg"
    by_path = checker.check(str(path), SPEC)
    assert checker.check(path.read_bytes(), SPEC) == by_path
    assert checker.check(bytearray(path.read_bytes()), SPEC) == by_path
    # a NumPy RGB array: the decoded pixels (the same decoder's), so the same report
    from PIL import Image  # noqa: PLC0415  (pillow comes with the test extras)

    arr = np.asarray(Image.open(path).convert("RGB"))
    assert arr.dtype == np.uint8 and arr.shape[2] == 3
    got = checker.check(arr, SPEC)
    assert got["verdict"] == by_path["verdict"]
    assert [c["status"] for c in got["checks"]] == [c["status"] for c in by_path["checks"]]
    # a non-contiguous view is copied, not misread
    flipped = arr[:, ::-1, :]
    assert checker.check(flipped, SPEC)["image"]["width"] == arr.shape[1]


def test_process_gives_the_output_only_when_it_passes(badge_specs):
    c = idphoto.Checker(runtime="tract", specs_dir=badge_specs)
    photo = PHOTOS / "obama.jpg"
    report, output = c.process(photo, "office/badge")
    assert report["verdict"] == "pass"
    assert output is not None and output[:2] == b"\xff\xd8"
    assert report == cli_report(photo, "office/badge", "--specs", str(badge_specs), "--out", os.devnull)
    from PIL import Image  # noqa: PLC0415
    import io  # noqa: PLC0415

    assert Image.open(io.BytesIO(output)).size == (358, 441)
    # a failing photo: no output unless asked for
    report, output = c.process(photo, SPEC)
    assert report["verdict"] == "fail" and output is None
    report, output = c.process(photo, SPEC, always_output=True)
    assert report["verdict"] == "fail" and output is not None


def test_specs_lists_builtin_and_added(badge_specs):
    ids = [s["id"] for s in idphoto.specs()]
    assert SPEC in ids and len(ids) > 30
    added = {s["id"]: s for s in idphoto.specs(badge_specs)}
    assert added["office/badge"]["width_px"] == 358
    assert added[SPEC]["format"] == "jpg"


def test_errors_are_typed(checker):
    with pytest.raises(idphoto.UnknownSpecError) as e:
        checker.check(PHOTOS / "obama.jpg", "cn/idcard")
    assert e.value.suggestion == "cn/id-card"
    assert "did you mean" in str(e.value)
    with pytest.raises(idphoto.UnsupportedFormatError):
        checker.check(b"just some text, not a photo", SPEC)
    heic = b"\x00\x00\x00\x18ftypheic" + bytes(64)
    with pytest.raises(idphoto.UnsupportedFormatError, match="JPEG"):
        checker.check(heic, SPEC)
    with pytest.raises(idphoto.CorruptImageError):
        checker.check((BAD / "truncated.jpg").read_bytes(), SPEC)
    with pytest.raises(idphoto.TooLargeError):
        checker.check(BAD / "huge_dims.png", SPEC)
    with pytest.raises(idphoto.EmptyImageError):
        checker.check(b"", SPEC)
    with pytest.raises(idphoto.TooSmallError):
        checker.check(np.zeros((8, 8, 3), np.uint8), SPEC)
    with pytest.raises(OSError):
        checker.check(PHOTOS / "no-such-photo.jpg", SPEC)
    with pytest.raises(TypeError):
        checker.check(np.zeros((64, 64), np.float32), SPEC)
    with pytest.raises(TypeError):
        checker.check(12345, SPEC)
    with pytest.raises(ValueError):
        idphoto.Checker(runtime="gpu")
    # every kind is an IdphotoError
    for kind in (idphoto.UnknownSpecError, idphoto.CorruptImageError, idphoto.TooLargeError,
                 idphoto.UnsupportedFormatError, idphoto.ModelsNotFoundError, idphoto.ModelError):
        assert issubclass(kind, idphoto.IdphotoError)
    with pytest.raises(idphoto.ModelsNotFoundError):
        idphoto.Checker(runtime="tract", models="/nonexistent/models")


def test_one_checker_shared_by_eight_threads(checker):
    photos = [PHOTOS / n for n in NAMES]
    want = {p.name: checker.check(p, SPEC) for p in photos}
    got: dict = {}
    errors: list = []

    def work(i: int) -> None:
        try:
            for k in range(3):
                p = photos[(i + k) % len(photos)]
                got.setdefault(p.name, []).append(checker.check(p, SPEC))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(len(v) for v in got.values()) == 24
    for name, reports in got.items():
        assert all(r == want[name] for r in reports), name


def test_the_gil_is_released_during_a_check(checker):
    # a pure-Python counter keeps counting while another thread checks a photo
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    checker.check(PHOTOS / "grace_hopper.jpg", SPEC)
    done.set()
    t.join()
    assert ticks > 20, ticks


def _runtime_in_subprocess(block_onnxruntime: bool) -> dict:
    code = (
        "import json, sys\n"
        + ("sys.modules['onnxruntime'] = None\n" if block_onnxruntime else "")
        + "import idphoto\n"
        "c = idphoto.Checker()\n"
        f"r = c.check({str(PHOTOS / 'obama.jpg')!r}, 'cn/id-card')\n"
        "print(json.dumps({'runtime': c.runtime, 'in_use': idphoto.runtime_in_use(),"
        " 'verdict': r['verdict'], 'lib': idphoto.onnxruntime_library()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ORT_DYLIB_PATH"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    return json.loads(out.stdout)


def test_auto_runtime_without_onnxruntime_is_tract():
    got = _runtime_in_subprocess(block_onnxruntime=True)
    assert got["runtime"] == "tract" and got["in_use"] == "tract" and got["lib"] is None
    assert got["verdict"] == "fail"


def test_auto_runtime_with_onnxruntime_uses_it():
    pytest.importorskip("onnxruntime", reason="the onnxruntime package is not installed")
    got = _runtime_in_subprocess(block_onnxruntime=False)
    assert got["lib"] and "onnxruntime" in got["lib"]
    assert got["runtime"] == "onnxruntime" and got["in_use"] == "onnxruntime"
    assert got["verdict"] == "fail"


def _batch_rows(out_dir: Path) -> dict:
    rows = {}
    for line in (out_dir / "report.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        rows[Path(r["input"]).name] = r
    return rows


def test_ray_rows_equal_idphoto_batch(tmp_path, badge_specs):
    pytest.importorskip("ray", reason="ray is not installed")
    # office/badge: obama.jpg passes it, so an output is written and compared too
    spec = "office/badge"
    batch_dir = tmp_path / "batch"
    subprocess.run(
        [str(BIN), "batch", "--spec", spec, "--specs", str(badge_specs), "--threads", "2",
         "--out-dir", str(batch_dir), str(PHOTOS)],
        check=False,
        capture_output=True,
    )
    ray_dir = tmp_path / "ray"
    run = subprocess.run(
        [sys.executable, str(ROOT / "python" / "examples" / "ray_batch.py"), "--spec", spec,
         "--specs", str(badge_specs), "--out-dir", str(ray_dir), "--workers", "2",
         "--num-cpus", "2", "--runtime", "tract", str(PHOTOS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    want, got = _batch_rows(batch_dir), _batch_rows(ray_dir)
    assert sorted(got) == sorted(want) == NAMES
    for name in NAMES:
        assert got[name]["verdict"] == want[name]["verdict"], name
        assert got[name]["report"] == want[name]["report"], name
        assert got[name]["name"] == want[name]["name"], name
    # the outputs written are batch's, byte for byte
    written = sorted(p.name for p in (batch_dir / "out").iterdir())
    assert written, "at least one photo passes office/badge"
    assert sorted(p.name for p in (ray_dir / "out").iterdir()) == written
    for name in written:
        assert (ray_dir / "out" / name).read_bytes() == (batch_dir / "out" / name).read_bytes()
    assert (ray_dir / "report.parquet").exists()
