//! The evaluation tool on a small labelled fixture of the project's own photos
//! (`tests/fixtures/eval/labels.json`, labels a person gave by looking at the photos, in the
//! format of `../shared/eval/README.md`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use idphoto::evaluate::{self, Labels};
use idphoto::{CheckId, Checker};

fn fixture() -> (Labels, BTreeMap<String, Result<idphoto::Report, String>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let labels = Labels::read(root.join("eval/labels.json")).unwrap();
    let checker = Checker::builder().build().unwrap();
    let reports = evaluate::check_photos(
        &checker,
        "cn/id-card",
        &root.join("photos"),
        &labels,
        &BTreeMap::new(),
    );
    (labels, reports)
}

#[test]
fn evaluate_counts_agreement_with_labels() {
    let (labels, reports) = fixture();
    let ev = evaluate::evaluate(&labels, &BTreeMap::new(), &reports);
    assert!(ev.unevaluated.is_empty(), "{:?}", ev.unevaluated);
    // the checks agree with every label of the fixture
    assert!(ev.disagreements.is_empty(), "{:#?}", ev.disagreements);
    let c = &ev.summary.checks;
    let counts = |id: CheckId| {
        let a = &c[&id];
        (a.pass_labels, a.false_rejects, a.fail_labels, a.misses)
    };
    assert_eq!(counts(CheckId::FaceCount), (4, 0, 0, 0));
    assert_eq!(counts(CheckId::MouthClosed), (1, 0, 2, 0));
    assert_eq!(counts(CheckId::HeadPose), (0, 0, 2, 0));
    assert_eq!(counts(CheckId::Glasses), (2, 0, 1, 0));
    assert_eq!(ev.summary.pose_mae_deg, None);
    assert_eq!((ev.summary.clean.total, ev.summary.clean.passed), (0, 0));
    // --json writes exactly the three documented keys
    let json = serde_json::to_value(&ev.summary).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["checks", "clean", "pose_mae_deg"]);
    assert_eq!(
        json["checks"]["mouth_closed"],
        serde_json::json!({"pass_labels": 1, "false_rejects": 0, "fail_labels": 2, "misses": 0,
            "unlabelled": 1, "unlabelled_fails": 0})
    );
    // head pose is labelled on obama2 and biden only: obama and grace_hopper face the camera
    let pose = &c[&CheckId::HeadPose];
    assert_eq!((pose.unlabelled, pose.unlabelled_fails), (2, 0));

    // a label the checker disagrees with is counted, with the measured value and limit
    let mut wrong = labels.clone();
    let obama = wrong.photos.get_mut("obama.jpg").unwrap();
    obama.insert(CheckId::MouthClosed, evaluate::Label::Pass);
    let ev = evaluate::evaluate(&wrong, &BTreeMap::new(), &reports);
    assert_eq!(counts_of(&ev, CheckId::MouthClosed), (2, 1, 1, 0));
    assert_eq!(ev.disagreements.len(), 1, "{:#?}", ev.disagreements);
    let d = &ev.disagreements[0];
    assert_eq!(
        (d.photo.as_str(), d.check),
        ("obama.jpg", CheckId::MouthClosed)
    );
    assert!(d.value.is_some() && d.limit.is_some(), "{d:?}");
    // obama now carries 9 labels, all pass: a clean photo, which fails a labelled check
    assert_eq!((ev.summary.clean.total, ev.summary.clean.passed), (1, 0));
    let obama = wrong.photos.get_mut("obama.jpg").unwrap();
    obama.insert(CheckId::Headwear, evaluate::Label::Fail);
    let ev = evaluate::evaluate(&wrong, &BTreeMap::new(), &reports);
    assert_eq!(counts_of(&ev, CheckId::Headwear), (1, 0, 2, 1));
    assert_eq!(ev.summary.clean.total, 0);
}

fn counts_of(ev: &evaluate::Evaluation, id: CheckId) -> (usize, usize, usize, usize) {
    let a = &ev.summary.checks[&id];
    (a.pass_labels, a.false_rejects, a.fail_labels, a.misses)
}
