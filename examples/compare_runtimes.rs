//! The default (tract) pipeline against the `onnxruntime` one, in one process run (issue 15):
//! every fixture photo checked, cropped and encoded by each, in interleaved rounds, one thread;
//! and onnxruntime's float32 BiSeNet alone (the whole shipped model on its parity input) as the
//! reference. Prints the medians per photo and one line
//! `RESULT default_ms=X onnxruntime_ms=Y ort_bisenet_fp32_ms=Z` (CPU time of this thread, from
//! `/proc/thread-self/schedstat`; wall time where that file does not exist), then the model
//! load times and whether both runtimes gave the same verdict and check statuses per photo.
//!
//! ```sh
//! pip install onnxruntime==1.32.0
//! export ORT_DYLIB_PATH=$(python3 -c 'import onnxruntime,glob,os;print(glob.glob(os.path.dirname(onnxruntime.__file__)+"/capi/libonnxruntime.so*")[0])')
//! cargo run --release --features onnxruntime --example compare_runtimes [ROUNDS (default 7)]
//! ```

use std::time::{Duration, Instant};

use idphoto::checker::OutputPolicy;
use idphoto::models::{BenchModel, Models, Runtime, PARSING_FILE};
use idphoto::Checker;

/// This thread's CPU time, or the wall clock where Linux's schedstat is missing.
struct Clock(bool);

impl Clock {
    fn new() -> Clock {
        Clock(std::fs::read_to_string("/proc/thread-self/schedstat").is_ok())
    }

    fn now(&self) -> Duration {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        if self.0 {
            if let Some(ns) = std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            {
                return Duration::from_nanos(ns);
            }
        }
        START.get_or_init(Instant::now).elapsed()
    }

    fn time<T>(&self, f: impl FnOnce() -> T) -> (T, f64) {
        let t0 = self.now();
        let out = f();
        (out, (self.now() - t0).as_secs_f64() * 1e3)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = std::env::args().nth(1);
    if matches!(arg.as_deref(), Some("-h" | "--help")) {
        println!("usage: compare_runtimes [ROUNDS (default 7)]\n\nthe whole pipeline on the fixture photos with tract and with onnxruntime (one thread),\nand onnxruntime's float32 BiSeNet alone; prints RESULT default_ms=… onnxruntime_ms=… ort_bisenet_fp32_ms=…\nneeds the onnxruntime library: ORT_DYLIB_PATH or libonnxruntime on the loader path");
        return Ok(());
    }
    let rounds: usize = arg.and_then(|s| s.parse().ok()).unwrap_or(7).max(1);
    // one thread: rayon's pool too (the checker runs the photo on the calling thread)
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()?;
    let clock = Clock::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos");
    let mut photos: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            std::fs::read(&p).map(|b| (name, b))
        })
        .collect::<Result<_, _>>()?;
    photos.sort();

    let load = |rt: Runtime| -> Result<(Checker, f64), Box<dyn std::error::Error>> {
        let t0 = Instant::now();
        let models = Models::builder().runtime(rt).build()?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        let c = Checker::builder()
            .models(std::sync::Arc::new(models))
            .output(OutputPolicy::Always)
            .build()?;
        Ok((c, ms))
    };
    let (tract, tract_load) = load(Runtime::Tract)?;
    let (ort, ort_load) = load(Runtime::OnnxRuntime)?;

    // the reference: the shipped float BiSeNet, whole, in onnxruntime
    let bytes = std::fs::read(idphoto::models::default_dir().join(PARSING_FILE))?;
    let reference = BenchModel::load_in(PARSING_FILE, &bytes, Runtime::OnnxRuntime)?;
    let parity = image::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/parity/face_parsing.input.png"
    ))?
    .to_rgb8();
    let x = idphoto::models::parsing_input(&parity);
    reference.run(x.clone())?; // warm-up

    let spec = "cn/id-card";
    let mut same = true;
    let (mut t_all, mut o_all, mut r_all) = (Vec::new(), Vec::new(), Vec::new());
    println!(
        "{:<26}{:>12}{:>14}  verdicts",
        "photo", "tract ms", "onnxrt ms"
    );
    for (name, b) in &photos {
        // warm-up, and the verdict comparison
        let a = tract.process_bytes(b, spec)?;
        let o = ort.process_bytes(b, spec)?;
        let statuses = |r: &idphoto::Report| -> Vec<String> {
            r.checks
                .iter()
                .map(|c| format!("{}={:?}", c.id, c.status))
                .collect()
        };
        let agree =
            a.report.verdict == o.report.verdict && statuses(&a.report) == statuses(&o.report);
        same &= agree;
        let (mut ts, mut os) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (r, ms) = clock.time(|| tract.process_bytes(b, spec));
            r?;
            ts.push(ms);
            let (r, ms) = clock.time(|| ort.process_bytes(b, spec));
            r?;
            os.push(ms);
            let (r, ms) = clock.time(|| reference.run(x.clone()));
            r?;
            r_all.push(ms);
        }
        let (tm, om) = (median(ts.clone()), median(os.clone()));
        println!(
            "{name:<26}{tm:>12.1}{om:>14.1}  {}",
            if agree { "same" } else { "DIFFER" }
        );
        t_all.extend(ts);
        o_all.extend(os);
    }
    let (d, o, r) = (median(t_all), median(o_all), median(r_all));
    println!(
        "timing: {} (one thread), {rounds} rounds per photo, medians over all photos",
        if clock.0 {
            "thread CPU time"
        } else {
            "wall time"
        }
    );
    println!("models load: tract {tract_load:.0} ms, onnxruntime {ort_load:.0} ms");
    println!(
        "default / onnxruntime = {:.2}x; default / ort BiSeNet fp32 = {:.2}x; statuses {}",
        d / o,
        d / r,
        if same {
            "identical on every photo"
        } else {
            "DIFFER (see above)"
        }
    );
    println!("RESULT default_ms={d:.1} onnxruntime_ms={o:.1} ort_bisenet_fp32_ms={r:.1}");
    Ok(())
}
