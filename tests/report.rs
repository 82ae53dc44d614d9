//! The report vocabulary and its JSON form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use idphoto::report::ImageInfo;
use idphoto::{CheckId, CheckResult, Checker, Fix, Measure, ReasonCode, Report, Status, Verdict};

#[test]
fn check_ids_are_the_documented_vocabulary() {
    let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        ids,
        [
            "orientation",
            "face_count",
            "resolution",
            "framing",
            "head_pose",
            "head_size",
            "head_position",
            "eyes_open",
            "mouth_closed",
            "eyes_visible",
            "eyebrows_visible",
            "ears_visible",
            "headwear",
            "hair_accessory",
            "earrings",
            "necklace",
            "glasses",
            "background_uniform",
            "background_color",
            "face_shadow",
            "background_shadow",
            "glare",
            "sharpness",
            "exposure",
            "color",
            "file_size"
        ]
    );
    for id in CheckId::ALL {
        assert_eq!(
            serde_json::to_value(id).unwrap(),
            serde_json::Value::String(id.as_str().into())
        );
        assert_eq!(CheckId::parse(id.as_str()), Some(id));
    }
}

#[test]
fn every_reason_code_has_both_messages_and_a_stable_snake_case_code() {
    let mut seen = std::collections::HashSet::new();
    for &code in ReasonCode::ALL {
        assert!(!code.zh().is_empty() && !code.en().is_empty(), "{code}");
        assert!(
            code.zh()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{code}: zh has no Chinese"
        );
        assert!(code.en().is_ascii(), "{code}: en");
        assert!(
            code.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
        assert_eq!(
            serde_json::to_value(code).unwrap(),
            serde_json::Value::String(code.as_str().into())
        );
        assert!(seen.insert(code.as_str()), "duplicate {code}");
    }
}

#[test]
fn json_shape_is_snake_case() {
    let checks = vec![
        CheckResult::pass(CheckId::FaceCount, Measure::num(1.0), Measure::num(1.0)),
        CheckResult::fail(
            CheckId::EarsVisible,
            Measure::map([("left_visible", 0.1)]),
            None,
            ReasonCode::EarsCovered,
        ),
        CheckResult::not_applicable(CheckId::Glare, ReasonCode::ParsingUnavailable),
    ];
    let r = Report::new(
        "cn/id-card",
        ImageInfo {
            width: 10,
            height: 20,
            rotation_deg: 0,
            reduced_from: None,
        },
        checks,
    );
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["spec"], "cn/id-card");
    assert_eq!(v["verdict"], "fail");
    let ears = &v["checks"][1];
    assert_eq!(ears["id"], "ears_visible");
    assert_eq!(ears["status"], "fail");
    assert_eq!(ears["reason"]["code"], "ears_covered");
    assert_eq!(ears["reason"]["fix"], "retake");
    assert!(ears["reason"]["zh"].as_str().unwrap().contains("耳朵"));
    assert_eq!(v["checks"][2]["status"], "not_applicable");
    assert!(v["checks"][2]["reason"]["fix"].is_null());
    let back: Report = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn verdict_passes_only_when_every_failure_is_fixed_automatically() {
    let info = || ImageInfo {
        width: 1,
        height: 1,
        rotation_deg: 0,
        reduced_from: None,
    };
    let auto = CheckResult::fail(
        CheckId::BackgroundColor,
        None,
        None,
        ReasonCode::BackgroundColorReplaced,
    );
    assert_eq!(auto.reason.as_ref().unwrap().fix, Some(Fix::Auto));
    assert_eq!(auto.status, Status::Fixed);
    let ok = CheckResult::pass(CheckId::FaceCount, None, None);
    assert_eq!(
        Report::new("x", info(), vec![ok.clone(), auto.clone()]).verdict,
        Verdict::Pass
    );
    let retake = CheckResult::fail(CheckId::Glasses, None, None, ReasonCode::GlassesPresent);
    assert_eq!(
        Report::new("x", info(), vec![ok.clone(), auto, retake]).verdict,
        Verdict::Fail
    );
    // a rule nobody could verify never passes
    let unverified =
        CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::ParsingUnavailable);
    assert_eq!(
        Report::new("x", info(), vec![ok.clone(), unverified]).verdict,
        Verdict::Fail
    );
    let out_of_view = CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::EarsOutOfView);
    assert_eq!(
        Report::new("x", info(), vec![ok, out_of_view]).verdict,
        Verdict::Pass
    );
}

#[test]
fn without_models_every_check_is_not_applicable_and_nothing_passes() {
    let checker = Checker::builder().without_models().build().unwrap();
    let img = image::RgbImage::from_pixel(400, 500, image::Rgb([250, 250, 250]));
    let r = checker.check(&img, "cn/id-card").unwrap();
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(
        r.checks.len(),
        CheckId::ALL.len() - 1,
        "every enabled check is listed (file_size is judged only on an encoded output)"
    );
    for c in &r.checks {
        assert_eq!(c.status, Status::NotApplicable, "{}", c.id);
        assert_eq!(
            c.reason.as_ref().unwrap().code,
            ReasonCode::AnalysisUnavailable
        );
    }
    assert!(matches!(
        checker.check(&img, "xx/nope"),
        Err(idphoto::Error::UnknownSpec { .. })
    ));
}

#[test]
fn disabled_checks_are_absent_from_the_report() {
    let mut reg = idphoto::SpecRegistry::builtin().unwrap();
    let mut spec = reg.get("cn/id-card").unwrap().clone();
    spec.id = "test/no-glasses-check".into();
    spec.checks.glasses.enabled = false;
    reg.insert(spec).unwrap();
    let checker = Checker::builder()
        .specs(reg)
        .without_models()
        .build()
        .unwrap();
    let img = image::RgbImage::from_pixel(100, 100, image::Rgb([0, 0, 0]));
    let r = checker.check(&img, "test/no-glasses-check").unwrap();
    assert!(r.check(CheckId::Glasses).is_none());
    // file_size is judged on the encoded output only, never by the photo checks
    assert_eq!(r.checks.len(), CheckId::ALL.len() - 2);
}
