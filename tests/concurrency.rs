//! One `Checker` shared by 16 threads gives the same reports, byte for byte, as sequential runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use idphoto::checker::OutputPolicy;
use idphoto::Checker;

#[test]
fn sixteen_threads_match_sequential_output_byte_for_byte() {
    let checker = Checker::builder()
        .output(OutputPolicy::Always)
        .build()
        .unwrap();
    let photos = common::photo_bytes();
    let run = |bytes: &[u8]| {
        let o = checker.process_bytes(bytes, "cn/id-card").unwrap();
        (o.report.to_json(), o.output.map(|e| e.bytes))
    };
    let sequential: Vec<_> = photos.iter().map(|b| run(b)).collect();
    let jobs: Vec<usize> = (0..48).map(|i| i % photos.len()).collect();
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..16 {
            let (jobs, photos, results, run) = (&jobs, &photos, &results, &run);
            s.spawn(move || {
                for &j in jobs.iter().skip(t).step_by(16) {
                    let r = run(&photos[j]);
                    results.lock().unwrap().push((j, r));
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    assert_eq!(results.len(), jobs.len());
    for (j, r) in results {
        assert_eq!(
            r,
            sequential[j],
            "photo {} differs between threads and sequential",
            common::PHOTOS[j]
        );
    }
}
