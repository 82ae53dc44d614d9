//! A 200-MP phone photo (a JPEG made in the test: `obama.jpg` enlarged 13.5×, written row by
//! row so the test never holds it decoded) is checked by `idphoto check` in bounded memory:
//! decoded at 1/4 of its size by the JPEG's DCT, the report saying so.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

/// The source photo, sampled (nearest) at any size, one row band at a time.
struct Enlarged {
    src: image::RgbImage,
    width: u16,
    height: u16,
}

impl jpeg_encoder::ImageBuffer for Enlarged {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }
    fn width(&self) -> u16 {
        self.width
    }
    fn height(&self) -> u16 {
        self.height
    }
    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (sw, sh) = self.src.dimensions();
        let sy = (u32::from(y) * sh / u32::from(self.height)).min(sh - 1);
        for x in 0..u32::from(self.width) {
            let sx = (x * sw / u32::from(self.width)).min(sw - 1);
            let p = self.src.get_pixel(sx, sy);
            let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
            let yy = 0.299 * r + 0.587 * g + 0.114 * b;
            let cb = 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
            let cr = 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
            buffers[0].push(yy.round().clamp(0.0, 255.0) as u8);
            buffers[1].push(cb.round().clamp(0.0, 255.0) as u8);
            buffers[2].push(cr.round().clamp(0.0, 255.0) as u8);
        }
    }
}

/// Peak resident memory of a process, MiB, read until it exits.
fn peak_rss_mib(child: &mut std::process::Child) -> f64 {
    let mut peak = 0.0f64;
    let status_file = format!("/proc/{}/status", child.id());
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
            {
                peak = peak.max(kb / 1024.0);
            }
        }
        if child.try_wait().unwrap().is_some() {
            return peak;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_200_megapixel_jpeg_is_checked_reduced_in_bounded_memory() {
    let src = image::open(common::fixture("photos/obama.jpg"))
        .unwrap()
        .to_rgb8();
    let (w, h) = (12_240u16, 16_320u16); // 199.8 MP, 3:4
    let path = std::env::temp_dir().join(format!("idphoto-200mp-{}.jpg", std::process::id()));
    {
        let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let enc = jpeg_encoder::Encoder::new(file, 80);
        enc.encode_image(Enlarged {
            src,
            width: w,
            height: h,
        })
        .unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(["check", "--spec", "cn/id-card", "--json", "-"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out_thread = {
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
            s
        })
    };
    let peak = peak_rss_mib(&mut child);
    let status = child.wait().unwrap();
    let json = out_thread.join().unwrap();
    let _ = std::fs::remove_file(&path);
    // 0 or 1 (a verdict), not 2 (an error)
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        report["image"]["reduced_from"],
        serde_json::json!([12_240, 16_320])
    );
    assert_eq!(report["image"]["width"], 3060);
    assert_eq!(report["image"]["height"], 4080);
    assert!(
        report["face"].is_object(),
        "the face is found in the reduced photo"
    );
    // decoded whole, the 200 MP would need 600 MB for its pixels alone (and the decoder's
    // planes beside them); reduced, the check stays near a normal photo's footprint
    eprintln!("peak resident memory {peak:.0} MiB");
    assert!(
        peak < 500.0,
        "peak resident memory {peak:.0} MiB (324 measured)"
    );
}
