//! Image bytes → `Checker::check_bytes` (decode, limits, orientation, colour conversion and the
//! report; the checker runs without models so each input takes microseconds, not a second).
#![no_main]

use std::sync::OnceLock;

use idphoto::image_io::DecodeLimits;
use idphoto::Checker;
use libfuzzer_sys::fuzz_target;

fn checker() -> &'static Checker {
    static C: OnceLock<Checker> = OnceLock::new();
    C.get_or_init(|| {
        // small caps so a fuzzed header cannot make one run allocate gigabytes
        let limits = DecodeLimits::default()
            .max_pixels(4_000_000)
            .max_alloc(64 * 1024 * 1024);
        match Checker::builder().without_models().limits(limits).build() {
            Ok(c) => c,
            Err(e) => panic!("checker: {e}"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = checker().check_bytes(data, "cn/id-card");
});
