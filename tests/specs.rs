//! Spec loading: every shipped spec validates; inheritance, cycles, unknown parents, unknown
//! fields and out-of-range values behave as documented, with the file and field named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use idphoto::spec::GlassesRule;
use idphoto::{Error, SpecRegistry};

const BASE: &str = r#"
name = { zh = "测试", en = "Test" }
[output]
width_px = 358
height_px = 441
print_width_mm = 26.0
print_height_mm = 32.0
dpi = 350
file_size_kb = { min = 14.0, max = 20.0 }
[background]
colors = [[255, 255, 255]]
max_delta_e = 10.0
replaceable = true
[geometry]
face_width_px = { min = 193.0, max = 221.0 }
"#;

fn load(files: &[(&str, &str)]) -> Result<SpecRegistry, Error> {
    SpecRegistry::from_sources(files.iter().map(|(id, text)| {
        (
            id.to_string(),
            PathBuf::from(format!("specs/{id}.toml")),
            text.as_bytes().to_vec(),
        )
    }))
}

fn spec_err(r: Result<SpecRegistry, Error>) -> (String, String, String) {
    match r {
        Err(Error::Spec {
            file,
            field,
            message,
        }) => (file.display().to_string(), field, message),
        Err(e) => panic!("expected a spec error, got {e}"),
        Ok(_) => panic!("expected a spec error, got a valid registry"),
    }
}

#[test]
fn every_shipped_spec_validates() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");
    let (reg, errors) = SpecRegistry::load_dir_lenient(dir).expect("specs folder");
    assert!(errors.is_empty(), "invalid specs: {errors:?}");
    let builtin = SpecRegistry::builtin().expect("builtin specs");
    assert_eq!(reg.len(), builtin.len());
    for id in [
        "cn/id-card",
        "cn/social-security",
        "cn/driving-licence",
        "cn/exit-entry",
        "cn/guangdong/id-card",
        "cn/guangdong/shenzhen/id-card",
        "cn/guangdong/guangzhou/id-card",
        "cn/guangdong/shenzhen/social-security",
        "cn/hainan/id-card",
        "cn/hainan/haikou/id-card",
        "cn/anhui/id-card",
        "cn/jiangxi/id-card",
        "cn/jiangxi/jiujiang/id-card",
        "cn/jiangxi/ganzhou/id-card",
        "cn/hunan/id-card",
        "cn/guizhou/id-card",
        "cn/qinghai/id-card",
        "cn/liaoning/shenyang/id-card",
        "cn/liaoning/chaoyang/id-card",
        "cn/liaoning/liaoyang/id-card",
        "cn/liaoning/jinzhou/id-card",
        "cn/graduation",
        "cn/cet",
        "cn/residence-permit",
        "cn/beijing/exit-entry",
        "cn/anhui/exit-entry",
        "ca/passport",
        "ca/visa",
        "au/passport",
        "in/passport",
        "in/visa",
        "hk/passport",
        "icao/passport",
        "us/passport",
        "us/visa",
        "uk/passport",
        "eu/schengen-visa",
        "jp/visa",
        "kr/visa",
    ] {
        assert!(builtin.get(id).is_ok(), "missing spec {id}");
    }
}

#[test]
fn national_id_card_numbers_match_ga_t_461() {
    let reg = SpecRegistry::builtin().expect("builtin");
    let s = reg.get("cn/id-card").expect("cn/id-card");
    assert_eq!(
        (s.output.width_px, s.output.height_px, s.output.dpi),
        (358, 441, 350)
    );
    let fw = s.geometry.face_width_px.expect("face width");
    assert_eq!((fw.min, fw.max), (Some(193.0), Some(221.0)));
    let crown = s.geometry.crown_margin_px.expect("crown");
    assert_eq!((crown.min, crown.max), (Some(7.0), Some(21.0)));
    assert_eq!(
        s.geometry.eye_line_from_bottom_px.and_then(|r| r.min),
        Some(207.0)
    );
    let kb = s.output.file_size_kb.expect("file size");
    assert_eq!((kb.min, kb.max), (Some(14.0), Some(20.0)));
    assert_eq!(s.background.colors[0], [255, 255, 255]);
}

#[test]
fn city_inherits_from_province_and_nation() {
    let reg = SpecRegistry::builtin().expect("builtin");
    let city = reg.get("cn/guangdong/shenzhen/id-card").expect("shenzhen");
    let nation = reg.get("cn/id-card").expect("nation");
    assert_eq!(city.extends.as_deref(), Some("cn/guangdong/id-card"));
    assert_eq!(city.region_code.as_deref(), Some("440300"));
    assert_eq!(city.output, nation.output);
    assert_eq!(city.geometry, nation.geometry);
    assert_ne!(city.name, nation.name);
}

#[test]
fn graduation_exam_canada_and_australia_numbers() {
    let reg = SpecRegistry::builtin().expect("builtin");
    let r = |x: Option<idphoto::spec::Range>| x.map(|r| (r.min, r.max));
    // CHSI diploma photo: 480×640, 20–40 KB, hairline 50–110 px from the top, eyes 200–300 px
    // from the top, face 180–300 px, light blue / white / light grey
    let g = reg.get("cn/graduation").expect("graduation");
    assert_eq!(
        (g.output.width_px, g.output.height_px, g.output.dpi),
        (480, 640, 300)
    );
    assert_eq!(r(g.output.file_size_kb), Some((Some(20.0), Some(40.0))));
    assert_eq!(
        r(g.geometry.crown_margin_px),
        Some((Some(50.0), Some(110.0)))
    );
    assert_eq!(
        r(g.geometry.eye_line_from_bottom_px),
        Some((Some(340.0), Some(440.0)))
    );
    assert_eq!(
        r(g.geometry.face_width_px),
        Some((Some(180.0), Some(300.0)))
    );
    assert_eq!(g.background.colors[0], [100, 197, 255]);
    assert_eq!(g.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    // CET: 240×320 (3:4), ≤ 200 KB, head 7/10 of the height, 1/10 above it
    let c = reg.get("cn/cet").expect("cet");
    assert_eq!((c.output.width_px, c.output.height_px), (240, 320));
    assert_eq!(r(c.output.file_size_kb), Some((None, Some(200.0))));
    let hh = c.geometry.head_height_px.expect("head height");
    assert!(hh.contains(224.0) && !hh.contains(200.0) && !hh.contains(250.0));
    assert!(c.geometry.crown_margin_px.expect("crown").contains(32.0));
    // Canada: 50×70 mm, head 31–36 mm at 300 dpi
    let ca = reg.get("ca/passport").expect("canada");
    assert_eq!(
        (ca.output.print_width_mm, ca.output.print_height_mm),
        (Some(50.0), Some(70.0))
    );
    assert_eq!((ca.output.width_px, ca.output.height_px), (591, 827));
    assert_eq!(
        r(ca.geometry.head_height_px),
        Some((Some(366.0), Some(425.0)))
    );
    assert_eq!(ca.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    // Australia: 35×45 mm, head 32–36 mm at 300 dpi, no glasses
    let au = reg.get("au/passport").expect("australia");
    assert_eq!((au.output.width_px, au.output.height_px), (413, 531));
    assert_eq!(
        r(au.geometry.head_height_px),
        Some((Some(378.0), Some(425.0)))
    );
    assert_eq!(au.checks.glasses.effective_rule(), GlassesRule::Forbidden);
}

#[test]
fn residence_permit_india_hong_kong_and_canada_visa_numbers() {
    let reg = SpecRegistry::builtin().expect("builtin");
    let r = |x: Option<idphoto::spec::Range>| x.map(|r| (r.min, r.max));
    // residence permit: the ID card's photo, 14–30 KB at quality 70, clear glasses allowed
    let rp = reg.get("cn/residence-permit").expect("residence permit");
    let id = reg.get("cn/id-card").expect("id card");
    assert_eq!(rp.geometry, id.geometry);
    assert_eq!(
        (rp.output.width_px, rp.output.height_px, rp.output.dpi),
        (358, 441, 350)
    );
    assert_eq!(r(rp.output.file_size_kb), Some((Some(14.0), Some(30.0))));
    assert_eq!(rp.output.jpeg_quality, 70);
    assert_eq!(rp.background.colors[0], [255, 255, 255]);
    assert_eq!(rp.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    // Beijing exit-entry: its own face width, head length and eye position on the national photo
    let bj = reg.get("cn/beijing/exit-entry").expect("beijing");
    let ee = reg.get("cn/exit-entry").expect("exit-entry");
    assert_eq!(bj.region_code.as_deref(), Some("110000"));
    assert_eq!(bj.output, ee.output);
    assert_eq!(
        r(bj.geometry.face_width_px),
        Some((Some(189.0), Some(283.0)))
    );
    assert_eq!(
        r(bj.geometry.head_height_px),
        Some((Some(354.0), Some(402.0)))
    );
    assert_eq!(
        r(bj.geometry.eye_line_from_bottom_px),
        Some((Some(321.0), Some(415.0)))
    );
    assert_eq!(bj.geometry.eye_distance_px, ee.geometry.eye_distance_px);
    // Anhui exit-entry: crown margin, eye line first, narrower eye distance, quality 70
    let ah = reg.get("cn/anhui/exit-entry").expect("anhui");
    assert_eq!(ah.region_code.as_deref(), Some("340000"));
    assert_eq!(
        (ah.output.width_px, ah.output.height_px, ah.output.dpi),
        (390, 567, 300)
    );
    assert_eq!(ah.output.jpeg_quality, 70);
    assert_eq!(r(ah.output.file_size_kb), Some((Some(20.0), Some(80.0))));
    assert_eq!(
        r(ah.geometry.crown_margin_px),
        Some((Some(25.0), Some(45.0)))
    );
    assert_eq!(
        r(ah.geometry.eye_line_from_bottom_px),
        Some((Some(265.0), None))
    );
    assert!(ah.geometry.eye_line_over_crown_margin);
    assert_eq!(
        r(ah.geometry.eye_distance_px),
        Some((Some(84.0), Some(118.0)))
    );
    assert_eq!(ah.geometry.head_width_px, ee.geometry.head_width_px);
    assert_eq!(ah.geometry.head_height_px, ee.geometry.head_height_px);
    assert_eq!(ah.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    // India e-Visa: square, 10–300 KB, head 25–35 mm and eyes 28–35 mm up in 2 inches
    let v = reg.get("in/visa").expect("india visa");
    assert_eq!((v.output.width_px, v.output.height_px), (600, 600));
    assert_eq!(r(v.output.file_size_kb), Some((Some(10.0), Some(300.0))));
    assert_eq!(
        r(v.geometry.head_height_px),
        Some((Some(295.0), Some(413.0)))
    );
    assert_eq!(
        r(v.geometry.eye_line_from_bottom_px),
        Some((Some(331.0), Some(413.0)))
    );
    // India passport: 51×51 mm, head 70–80 % of the height, white only
    let p = reg.get("in/passport").expect("india passport");
    assert_eq!(
        (p.output.print_width_mm, p.output.print_height_mm),
        (Some(51.0), Some(51.0))
    );
    assert_eq!(
        r(p.geometry.head_height_px),
        Some((Some(420.0), Some(480.0)))
    );
    assert_eq!(p.background.colors, vec![[255, 255, 255]]);
    // Hong Kong: 40×50 mm at 600 dpi, chin to crown 32–36 mm, ≤ 600 KB, white
    let hk = reg.get("hk/passport").expect("hong kong");
    assert_eq!(
        (hk.output.width_px, hk.output.height_px, hk.output.dpi),
        (945, 1181, 600)
    );
    assert_eq!(r(hk.output.file_size_kb), Some((None, Some(600.0))));
    assert_eq!(
        r(hk.geometry.head_height_px),
        Some((Some(756.0), Some(850.0)))
    );
    assert_eq!(hk.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    // Canada visa: ≥ 420×540 px, 35×45 mm, head 31–36 mm, ≥ 60 kB
    let ca = reg.get("ca/visa").expect("canada visa");
    assert!(ca.output.width_px >= 420 && ca.output.height_px >= 540);
    assert_eq!(
        (ca.output.print_width_mm, ca.output.print_height_mm),
        (Some(35.0), Some(45.0))
    );
    let px_per_mm = ca.output.width_px as f64 / 35.0;
    let hh = ca.geometry.head_height_px.expect("head height");
    assert!(hh.contains(31.5 * px_per_mm) && !hh.contains(30.5 * px_per_mm));
    assert!(hh.contains(35.5 * px_per_mm) && !hh.contains(36.5 * px_per_mm));
    assert_eq!(r(ca.output.file_size_kb).and_then(|k| k.0), Some(60.0));
}

#[test]
fn regional_files_carry_their_published_numbers() {
    let reg = SpecRegistry::builtin().expect("builtin");
    // Shenzhen social security: 9–20 KB and a face width of 15 ± 1 mm (193–220 px)
    let sz = reg
        .get("cn/guangdong/shenzhen/social-security")
        .expect("shenzhen");
    let nation = reg.get("cn/social-security").expect("nation");
    let kb = sz.output.file_size_kb.expect("file size");
    assert_eq!((kb.min, kb.max), (Some(9.0), Some(20.0)));
    let fw = sz.geometry.face_width_px.expect("face width");
    assert_eq!((fw.min, fw.max), (Some(193.0), Some(220.0)));
    assert_eq!(sz.geometry.crown_margin_px, nation.geometry.crown_margin_px);
    assert_eq!(sz.output.width_px, nation.output.width_px);
    // Haikou ID card: under 40 KB, everything else the national file's
    let hk = reg.get("cn/hainan/haikou/id-card").expect("haikou");
    let id = reg.get("cn/id-card").expect("id card");
    let kb = hk.output.file_size_kb.expect("file size");
    assert_eq!((kb.min, kb.max), (Some(14.0), Some(40.0)));
    assert_eq!(hk.geometry, id.geometry);
    assert_eq!(hk.output.jpeg_quality, id.output.jpeg_quality);
}

#[test]
fn child_overrides_only_what_it_states() {
    let child = r#"
extends = "base"
name = { zh = "子", en = "Child" }
[geometry]
face_width_px = { min = 180.0, max = 230.0 }
[checks.glasses]
rule = "clear_only"
"#;
    let reg = load(&[("base", BASE), ("child", child)]).expect("valid");
    let c = reg.get("child").expect("child");
    let b = reg.get("base").expect("base");
    assert_eq!(c.geometry.face_width_px.and_then(|r| r.min), Some(180.0));
    assert_eq!(c.output, b.output, "output is inherited untouched");
    assert_eq!(c.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    assert_eq!(b.checks.glasses.effective_rule(), GlassesRule::Forbidden);
    assert_eq!(c.checks.ears_visible, b.checks.ears_visible);
}

#[test]
fn a_cycle_is_an_error_naming_the_file() {
    let a = "extends = \"b\"\nname = { zh = \"a\", en = \"a\" }\n";
    let b = "extends = \"a\"\nname = { zh = \"b\", en = \"b\" }\n";
    let (file, field, msg) = spec_err(load(&[("a", a), ("b", b), ("base", BASE)]));
    assert!(
        file.ends_with("a.toml") || file.ends_with("b.toml"),
        "{file}"
    );
    assert_eq!(field, "extends");
    assert!(msg.contains("cycle"), "{msg}");
    let selfref = "extends = \"s\"\n";
    let (_, field, msg) = spec_err(load(&[("s", selfref)]));
    assert_eq!(field, "extends");
    assert!(msg.contains("cycle"), "{msg}");
}

#[test]
fn an_unknown_parent_is_an_error() {
    let c = "extends = \"nowhere/id-card\"\n";
    let (file, field, msg) = spec_err(load(&[("c", c)]));
    assert!(file.ends_with("c.toml"));
    assert_eq!(field, "extends");
    assert!(msg.contains("nowhere/id-card"), "{msg}");
}

#[test]
fn an_unknown_field_is_an_error_naming_file_and_field() {
    let c = "extends = \"base\"\n[geometry]\nface_widht_px = { min = 1.0 }\n";
    let (file, field, msg) = spec_err(load(&[("base", BASE), ("child", c)]));
    assert!(file.ends_with("child.toml"), "{file}");
    assert!(field.starts_with("geometry"), "{field}");
    assert!(msg.contains("face_widht_px"), "{msg}");
    let top = format!("{BASE}\ncolour = 3\n");
    let (_, _, msg) = spec_err(load(&[("t", &top)]));
    assert!(msg.contains("colour"), "{msg}");
}

#[test]
fn out_of_range_values_are_errors_naming_the_field() {
    for (patch, want_field) in [
        (
            "[geometry]\nface_width_px = { min = 230.0, max = 200.0 }\n",
            "geometry.face_width_px.min",
        ),
        ("[output]\ndpi = 0\n", "output.dpi"),
        ("[output]\nwidth_px = 0\n", "output.width_px"),
        ("[output]\njpeg_quality = 101\n", "output.jpeg_quality"),
        (
            "[checks.ears_visible]\nmax_hair_fraction = 1.5\n",
            "checks.ears_visible.max_hair_fraction",
        ),
        (
            "[checks.head_pose]\nmax_yaw_deg = -3.0\n",
            "checks.head_pose.max_yaw_deg",
        ),
        (
            "[checks.head_pose]\nmax_yaw_deg = nan\n",
            "checks.head_pose.max_yaw_deg",
        ),
        ("[output]\nprint_width_mm = 40.0\n", "output.print_width_mm"),
        ("[background]\ncolors = []\n", "background.colors"),
        (
            "[checks.background_uniform]\nmax_texture_ab = -1.0\n",
            "checks.background_uniform.max_texture_ab",
        ),
        (
            "[checks.color]\nnatural_a = { min = 25.0, max = 5.0 }\n",
            "checks.color.natural_a.min",
        ),
        (
            "[checks.color]\nmax_cast_delta_e = -2.0\n",
            "checks.color.max_cast_delta_e",
        ),
    ] {
        let child = format!("extends = \"base\"\n{patch}");
        let (file, field, msg) = spec_err(load(&[("base", BASE), ("child", &child)]));
        assert!(file.ends_with("child.toml"), "{patch}: {file}");
        assert_eq!(field, want_field, "{patch}: {msg}");
    }
}

#[test]
fn wrong_types_bad_toml_and_bad_bytes_are_errors() {
    let (_, field, _) = spec_err(load(&[
        ("base", BASE),
        ("c", "extends = \"base\"\n[output]\ndpi = \"high\"\n"),
    ]));
    assert_eq!(field, "output.dpi");
    let (_, field, msg) = spec_err(load(&[("c", "name = {")]));
    assert_eq!(field, "");
    assert!(msg.contains("TOML"), "{msg}");
    let bad = SpecRegistry::from_sources([(
        "x".to_string(),
        PathBuf::from("x.toml"),
        vec![0xff, 0xfe, 0x00],
    )]);
    assert!(matches!(bad, Err(Error::Spec { ref message, .. }) if message.contains("UTF-8")));
    let huge = vec![b'#'; 10 * 1024 * 1024];
    let big = SpecRegistry::from_sources([("x".to_string(), PathBuf::from("x.toml"), huge)]);
    assert!(matches!(big, Err(Error::Spec { ref message, .. }) if message.contains("limit")));
    let (_, field, msg) = spec_err(load(&[("c", "name = { zh = \"a\", en = \"b\" }\n")]));
    assert!(field.is_empty() || field == ".", "{field}");
    assert!(msg.contains("missing"), "{msg}");
}

#[test]
fn deep_extends_chains_stop_at_the_limit() {
    let mut files: Vec<(String, String)> = vec![("s0".into(), BASE.into())];
    for i in 1..40 {
        files.push((format!("s{i}"), format!("extends = \"s{}\"\n", i - 1)));
    }
    let r = SpecRegistry::from_sources(
        files
            .iter()
            .map(|(id, t)| (id.clone(), PathBuf::from(id), t.as_bytes().to_vec())),
    );
    let (_, field, msg) = spec_err(r);
    assert_eq!(field, "extends");
    assert!(msg.contains("deeper"), "{msg}");
}

#[test]
fn validate_dir_reports_every_bad_file() {
    let dir = std::env::temp_dir().join(format!("idphoto-specs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("cn")).expect("mkdir");
    std::fs::write(dir.join("cn/base.toml"), BASE).expect("write");
    std::fs::write(
        dir.join("cn/bad.toml"),
        "extends = \"cn/base\"\n[output]\ndpi = 5\n",
    )
    .expect("write");
    std::fs::write(dir.join("cn/orphan.toml"), "extends = \"cn/nope\"\n").expect("write");
    let (reg, errors) = SpecRegistry::load_dir_lenient(&dir).expect("dir");
    assert_eq!(reg.ids().collect::<Vec<_>>(), vec!["cn/base"]);
    assert_eq!(errors.len(), 2, "{errors:?}");
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("bad.toml") && t.contains("output.dpi")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("orphan.toml") && t.contains("extends")),
        "{text:?}"
    );
    assert!(SpecRegistry::load_dir(&dir).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each builtin spec's glasses rule, as its sources state it (comments in the spec files): the US
/// and UK forbid glasses, ICAO and the visas that follow it, the driving licence (corrected
/// vision) and social security allow clear ones; the ID card follows the receipt services.
#[test]
fn glasses_rules_follow_the_sources() {
    let reg = SpecRegistry::builtin().unwrap();
    for (id, rule) in [
        ("cn/id-card", GlassesRule::Forbidden),
        ("cn/exit-entry", GlassesRule::Forbidden),
        ("us/passport", GlassesRule::Forbidden),
        ("uk/passport", GlassesRule::Forbidden),
        ("cn/driving-licence", GlassesRule::ClearOnly),
        ("cn/social-security", GlassesRule::ClearOnly),
        ("icao/passport", GlassesRule::ClearOnly),
        ("eu/schengen-visa", GlassesRule::ClearOnly),
        ("jp/visa", GlassesRule::ClearOnly),
        ("kr/visa", GlassesRule::ClearOnly),
    ] {
        let spec = reg.get(id).unwrap();
        assert_eq!(spec.checks.glasses.effective_rule(), rule, "{id}");
        // the name in reports is the name in spec files
        assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
    }
}

/// Pose limits: ICAO's ±5° capture tolerance where the document's rule states it (ISO/IEC
/// 19794-5 for `icao/passport` and what extends it); elsewhere ("frontal", "face the camera")
/// what reviewers call frontal, 10° of yaw and 20° of pitch, inside the Chinese visa page's
/// own 20°/25°.
#[test]
fn pose_limits_follow_the_sources() {
    let reg = SpecRegistry::builtin().unwrap();
    for (id, yaw, pitch) in [
        ("icao/passport", 5.0, 5.0),
        ("eu/schengen-visa", 5.0, 5.0),
        ("cn/id-card", 10.0, 20.0),
        ("cn/guangdong/id-card", 10.0, 20.0),
        ("cn/exit-entry", 10.0, 20.0),
        ("cn/visa", 10.0, 20.0),
        ("us/passport", 10.0, 20.0),
        ("uk/passport", 10.0, 20.0),
    ] {
        let p = &reg.get(id).unwrap().checks.head_pose;
        assert_eq!((p.max_yaw_deg, p.max_pitch_deg), (yaw, pitch), "{id}");
    }
}

/// The numbers corrected against their sources (cited in each file): the social-security
/// card's national standard, the driving licence's archive-photo rules, the Korean visa notice.
#[test]
fn corrected_chinese_numbers() {
    let reg = SpecRegistry::builtin().unwrap();
    let ss = reg.get("cn/social-security").unwrap();
    assert_eq!(ss.output.jpeg_quality, 70);
    let kb = ss.output.file_size_kb.unwrap();
    assert_eq!((kb.min, kb.max), (Some(14.0), Some(40.0)));
    let g = &ss.geometry;
    let crown = g.crown_margin_px.unwrap();
    assert_eq!((crown.min, crown.max), (Some(7.0), Some(21.0)));
    assert_eq!(g.eye_line_from_bottom_px.and_then(|r| r.min), Some(207.0));
    assert!(g.eye_line_over_crown_margin);
    assert_eq!(
        g.center_tolerance_px, 17.0,
        "eye midpoint 162–196 px = 179 ± 17"
    );
    let f = g.face_width_px.unwrap();
    assert_eq!((f.min, f.max), (Some(179.0), Some(255.0)));

    let dl = reg.get("cn/driving-licence").unwrap();
    assert_eq!(
        (dl.output.width_px, dl.output.height_px, dl.output.dpi),
        (260, 378, 300)
    );
    assert_eq!(dl.output.jpeg_quality, 70);
    let kb = dl.output.file_size_kb.unwrap();
    assert_eq!((kb.min, kb.max), (Some(14.0), Some(30.0)));
    let crown = dl.geometry.crown_margin_px.unwrap();
    assert_eq!((crown.min, crown.max), (Some(10.0), Some(20.0)));
    let hw = dl.geometry.head_width_px.unwrap();
    assert_eq!((hw.min, hw.max), (Some(165.0), Some(189.0)));

    // the Korean embassy's visa notice: head 25–35 mm at 300 dpi
    let kr = reg.get("kr/visa").unwrap();
    let hh = kr.geometry.head_height_px.unwrap();
    assert_eq!((hh.min, hh.max), (Some(295.0), Some(413.0)));
}

/// The exit-entry split (issue 14): the domestic guide and the consular rule, and the
/// numbers corrected for the US (compression ≤ 20:1) and Schengen (head 32–36 mm).
#[test]
fn exit_entry_domestic_and_abroad_and_corrected_foreign_numbers() {
    let reg = SpecRegistry::builtin().unwrap();
    let range = |r: Option<idphoto::spec::Range>| r.map(|r| (r.min, r.max));
    let ee = reg.get("cn/exit-entry").unwrap();
    assert_eq!(
        (ee.output.width_px, ee.output.height_px, ee.output.dpi),
        (390, 567, 300)
    );
    assert_eq!(
        range(ee.output.file_size_kb),
        Some((Some(20.0), Some(80.0)))
    );
    assert_eq!(
        range(ee.geometry.head_width_px),
        Some((Some(248.0), Some(283.0)))
    );
    assert_eq!(
        range(ee.geometry.head_height_px),
        Some((Some(331.0), Some(390.0)))
    );
    assert!(
        ee.background.colors.contains(&[100, 197, 255]),
        "the guide's light blue"
    );
    assert_eq!(ee.checks.glasses.effective_rule(), GlassesRule::Forbidden);

    let pa = reg.get("cn/passport-abroad").unwrap();
    assert_eq!((pa.output.width_px, pa.output.height_px), (390, 567));
    assert_eq!(
        range(pa.output.file_size_kb),
        Some((Some(30.0), Some(80.0)))
    );
    assert_eq!(
        range(pa.geometry.head_width_px),
        Some((Some(177.0), Some(260.0)))
    );
    assert_eq!(
        range(pa.geometry.crown_margin_px),
        Some((Some(35.0), Some(59.0)))
    );
    assert_eq!(
        pa.geometry.chin_from_bottom_px.and_then(|r| r.min),
        Some(83.0)
    );
    assert_eq!(pa.background.colors, vec![[255, 255, 255]]);
    assert_eq!(pa.checks.glasses.effective_rule(), GlassesRule::ClearOnly);

    let us = reg.get("us/passport").unwrap();
    assert_eq!(
        range(us.output.file_size_kb),
        Some((Some(54.0), Some(240.0)))
    );
    assert_eq!(
        reg.get("us/visa").unwrap().output.file_size_kb,
        us.output.file_size_kb
    );
    // the Chinese visa for foreign applicants: the consulates' digital template
    let visa = reg.get("cn/visa").unwrap();
    assert_eq!((visa.output.width_px, visa.output.height_px), (420, 560));
    assert_eq!(
        range(visa.output.file_size_kb),
        Some((Some(40.0), Some(120.0)))
    );
    assert_eq!(
        range(visa.geometry.head_width_px),
        Some((Some(191.0), Some(280.0)))
    );
    assert_eq!(
        visa.checks.ears_visible.required,
        idphoto::spec::EarsRequired::Both
    );
    assert_eq!(visa.checks.glasses.effective_rule(), GlassesRule::ClearOnly);
    let schengen = reg.get("eu/schengen-visa").unwrap();
    assert_eq!(
        range(schengen.geometry.head_height_px),
        Some((Some(378.0), Some(425.0)))
    );
}

/// Every spec file says where its numbers come from: a `Source(s):` line in its leading
/// comments that cites something (an address, a standard, an official page, or its parent's
/// file for a regional receipt with no published difference).
#[test]
fn every_spec_cites_a_source() {
    let reg = SpecRegistry::builtin().unwrap();
    let cites = [
        "http",
        "GA/T",
        "GB/T",
        "ICAO",
        "ISO",
        "《",
        "travel.state.gov",
        "gov.uk",
        "embassy",
        "`cn/",
    ];
    for id in reg.ids() {
        let notes = reg.notes(id).unwrap_or("");
        assert!(notes.contains("Source"), "{id}: no `Sources:` line");
        assert!(
            cites.iter().any(|c| notes.contains(c)),
            "{id}: its sources cite nothing: {notes}"
        );
    }
}

/// The README's spec table has one row per shipped spec, with its output size and file size.
#[test]
fn the_readme_spec_table_lists_every_spec() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let reg = SpecRegistry::builtin().unwrap();
    for s in reg.iter() {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", s.id)))
            .unwrap_or_else(|| panic!("README has no table row for {}", s.id));
        let size = format!("{}×{} px", s.output.width_px, s.output.height_px);
        assert!(row.contains(&size), "{}: {row} lacks {size}", s.id);
        if let Some(kb) = s.output.file_size_kb.and_then(|r| r.max) {
            assert!(
                row.contains(&format!("{kb} KB")),
                "{}: {row} lacks {kb} KB",
                s.id
            );
        }
    }
    let rows = readme.lines().filter(|l| l.starts_with("| `")).count();
    assert!(rows >= reg.len());
}

#[test]
fn a_spec_id_in_another_case_or_without_its_country_is_suggested() {
    let reg = idphoto::SpecRegistry::builtin().unwrap();
    assert_eq!(reg.suggest("CN/ID-CARD"), Some("cn/id-card"));
    assert_eq!(reg.suggest("id-card"), Some("cn/id-card"));
    assert_eq!(reg.suggest("ID-Card"), Some("cn/id-card"));
    assert_eq!(reg.suggest("cn/idcard"), Some("cn/id-card"));
    let e = reg.get("id-card").unwrap_err().to_string();
    assert!(e.contains("did you mean `cn/id-card`"), "{e}");
}
