//! `idphoto evaluate --html FILE`: one offline page that shows, per labelled check, where the
//! measured values of the photos a person labelled pass and fail lie against the spec's limit,
//! so one can see whether a measure separates what people judge and where its threshold sits.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use idphoto::evaluate::{disagrees, photo_names, Label, Labels};
use idphoto::report::Pose;

use crate::review::{original_url, url_path};
use idphoto::{CheckId, Measure, Report, Status};

/// One photo's value of one numeric part of a check's measure.
struct Point<'a> {
    photo: &'a str,
    label: Label,
    status: Option<Status>,
    value: f64,
}

/// One strip's dots and the limits drawn across it.
type Strip<'a> = (Vec<Point<'a>>, Vec<(String, f64)>);

/// The numeric leaves of a measure, by dotted path (`fraction`, `left.ear_fraction`, `face_l`).
fn leaves(m: &Measure, prefix: &str, out: &mut Vec<(String, f64)>) {
    match m {
        Measure::Number(v) => out.push((prefix.to_string(), *v)),
        Measure::Bool(b) => out.push((prefix.to_string(), f64::from(u8::from(*b)))),
        Measure::Map(parts) => {
            for (k, v) in parts {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &p, out);
            }
        }
        Measure::Text(_) => {}
    }
}

/// The limits that apply to a value at `path`: a limit leaf named `max_X` or `min_X`, with or
/// without a unit (`max_yaw_deg` for `yaw`), or `X.min`, `X.max` for a range, where `X` is the
/// value's own name.
fn limits_for(path: &str, limit: &[(String, f64)]) -> Vec<(String, f64)> {
    let name = path.rsplit('.').next().unwrap_or(path);
    limit
        .iter()
        .filter(|(k, _)| {
            let last = k.rsplit('.').next().unwrap_or(k);
            ((last.starts_with("max_") || last.starts_with("min_"))
                && idphoto::display::limit_names(last, name))
                || k == &format!("{path}.min")
                || k == &format!("{path}.max")
                || k == &format!("{name}.min")
                || k == &format!("{name}.max")
                || (k.as_str() == name && path == name)
        })
        .cloned()
        .collect()
}

/// Text safe inside HTML and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page. `photos_href` is the photos folder as the page should link it (relative to the
/// page's own folder when possible); `thumbs` maps a photo to an embedded overlay (a data URI).
pub fn page(
    spec: &str,
    labels: &Labels,
    reports: &BTreeMap<String, Result<Report, String>>,
    photos_href: &str,
    thumbs: &BTreeMap<String, String>,
) -> String {
    // per check, per numeric path: the points and the limits
    let mut strips: BTreeMap<CheckId, BTreeMap<String, Strip<'_>>> = BTreeMap::new();
    for (photo, checks) in &labels.photos {
        let Some(Ok(report)) = reports.get(photo) else {
            continue;
        };
        for (&id, &label) in checks {
            let Some(c) = report.check(id) else { continue };
            let mut vals = Vec::new();
            if let Some(v) = &c.value {
                leaves(v, "", &mut vals);
            }
            let mut lims = Vec::new();
            if let Some(l) = &c.limit {
                leaves(l, "", &mut lims);
            }
            for (path, value) in vals {
                let path = if path.is_empty() {
                    "value".into()
                } else {
                    path
                };
                let limits = if path == "value" {
                    lims.iter().map(|(k, v)| (k.clone(), *v)).collect()
                } else {
                    limits_for(&path, &lims)
                };
                let entry = strips.entry(id).or_default().entry(path).or_default();
                entry.0.push(Point {
                    photo,
                    label,
                    status: Some(c.status),
                    value,
                });
                for l in limits {
                    if !entry.1.contains(&l) {
                        entry.1.push(l);
                    }
                }
            }
        }
    }
    let mut body = String::new();
    let mut index = String::new();
    for (id, paths) in &strips {
        let (zh, en) = id.title();
        let (mut fr, mut npass, mut miss, mut nfail) = (0, 0, 0, 0);
        if let Some((pts, _)) = paths.values().next() {
            for p in pts {
                match p.label {
                    Label::Pass => {
                        npass += 1;
                        fr += usize::from(disagrees(p.label, p.status));
                    }
                    Label::Fail => {
                        nfail += 1;
                        miss += usize::from(disagrees(p.label, p.status));
                    }
                }
            }
        }
        let _ = write!(
            index,
            "<li><a href=\"#{id}\">{} {}</a> <span class=\"n\">false rejects {fr}/{npass}, misses {miss}/{nfail}</span></li>",
            esc(zh),
            esc(en),
            id = id.as_str()
        );
        let _ = write!(
            body,
            "<section id=\"{}\"><h2>{} {} <code>{}</code></h2><p class=\"n\">labelled pass {npass} (false rejects {fr}), labelled fail {nfail} (misses {miss})</p>",
            id.as_str(),
            esc(zh),
            esc(en),
            id.as_str()
        );
        for (path, (pts, limits)) in paths {
            body.push_str(&strip(path, pts, limits, photos_href));
        }
        body.push_str("</section>");
    }
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>idphoto evaluate — {spec}</title>
<style>
body{{font:14px system-ui,sans-serif;margin:1.5em;color:#222}}
h2{{margin:1.4em 0 .2em;font-size:1.1em}} code{{color:#555}}
.n{{color:#666}} .strip{{margin:.3em 0 .8em}} .strip h3{{font-size:.9em;margin:.2em 0;font-weight:600}}
svg{{display:block;background:#fafafa;border:1px solid #ddd}}
svg a circle{{cursor:pointer}} svg a:hover circle{{stroke:#000;stroke-width:2}}
.legend span{{margin-right:1.2em}} #preview{{position:fixed;right:1em;top:1em;max-width:260px;background:#fff;border:1px solid #ccc;padding:4px;display:none}}
#preview img{{max-width:250px;display:block}}
</style></head><body>
<h1>idphoto evaluate — <code>{spec}</code></h1>
<p class="legend"><span style="color:#1a7f37">● labelled pass</span><span style="color:#c62828">● labelled fail</span><span>○ ringed: the check disagrees with the label</span><span style="color:#c62828">┆ the spec's limit</span></p>
<p>Each dot is one photo (hover: its name, value and overlay; click: the photo). A measure that separates what people judge has its green dots on one side of the limit and its red dots on the other.</p>
<ul>{index}</ul>
{body}
<div id="preview"><img alt=""><div></div></div>
<script>
const THUMBS={thumbs_json};
const pv=document.getElementById('preview');
document.querySelectorAll('svg a').forEach(a=>{{
 a.addEventListener('mouseenter',()=>{{const t=THUMBS[a.dataset.photo];pv.querySelector('div').textContent=a.dataset.info;
  const im=pv.querySelector('img'); if(t){{im.src=t;im.style.display='block'}}else{{im.style.display='none'}} pv.style.display='block';}});
 a.addEventListener('mouseleave',()=>{{pv.style.display='none'}});
}});
</script>
</body></html>
"#,
        spec = esc(spec),
        // each overlay once, looked up by photo (a photo has a dot in many strips); `<` escaped
        // so no name or data can close the script element
        thumbs_json = serde_json::to_string(thumbs)
            .unwrap_or_else(|_| "{}".into())
            .replace('<', "\\u003c")
    )
}

/// One strip: the values of labelled-pass photos on the upper row, of labelled-fail photos on
/// the lower, the limits as vertical lines.
fn strip(path: &str, pts: &[Point<'_>], limits: &[(String, f64)], photos_href: &str) -> String {
    const W: f64 = 720.0;
    const PAD: f64 = 24.0;
    let vals = pts
        .iter()
        .map(|p| p.value)
        .chain(limits.iter().map(|l| l.1));
    let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return String::new();
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let x = |v: f64| PAD + (v - lo) / span * (W - 2.0 * PAD);
    let mut svg = format!(
        "<div class=\"strip\"><h3>{}</h3><svg width=\"{W}\" height=\"76\" viewBox=\"0 0 {W} 76\" role=\"img\" aria-label=\"{}\">",
        esc(path),
        esc(path)
    );
    let _ = write!(
        svg,
        "<text x=\"2\" y=\"22\" font-size=\"10\" fill=\"#1a7f37\">pass</text><text x=\"2\" y=\"50\" font-size=\"10\" fill=\"#c62828\">fail</text>\
         <text x=\"{PAD}\" y=\"72\" font-size=\"10\" fill=\"#666\">{lo:.3}</text><text x=\"{}\" y=\"72\" font-size=\"10\" fill=\"#666\" text-anchor=\"end\">{hi:.3}</text>",
        W - PAD
    );
    for (name, v) in limits {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"4\" y2=\"60\" stroke=\"#c62828\" stroke-dasharray=\"3 2\"><title>{1} = {2}</title></line>",
            x(*v),
            esc(name),
            v
        );
    }
    for (k, p) in pts.iter().enumerate() {
        let (y, color) = match p.label {
            Label::Pass => (18.0, "#1a7f37"),
            Label::Fail => (46.0, "#c62828"),
        };
        // a little vertical spread so equal values stay apart
        let y = y + ((k * 7) % 9) as f64 - 4.0;
        let off = disagrees(p.label, p.status);
        let status = p
            .status
            .map(|s| format!("{s:?}").to_lowercase())
            .unwrap_or_default();
        let info = format!(
            "{} — {path} {} — labelled {}, reported {status}",
            p.photo,
            p.value,
            match p.label {
                Label::Pass => "pass",
                Label::Fail => "fail",
            }
        );
        let _ = write!(
            svg,
            "<a href=\"{}/{}\" data-info=\"{}\" data-photo=\"{}\"><circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"{color}\" fill-opacity=\"0.75\" stroke=\"{}\" stroke-width=\"{}\"><title>{}</title></circle></a>",
            esc(photos_href),
            esc(&url_path(p.photo)),
            esc(&info),
            esc(p.photo),
            x(p.value),
            if off { 5 } else { 4 },
            if off { "#000" } else { "none" },
            if off { 1.5 } else { 0.0 },
            esc(&info)
        );
    }
    svg.push_str("</svg></div>");
    svg
}

/// Each labelled photo's report (or the error that stopped it).
pub type Reports = BTreeMap<String, Result<Report, String>>;

/// Reports for every photo named in `labels` or `poses` (the photos
/// [`idphoto::evaluate::check_photos`] checks), and each photo's overlay (the failing regions
/// outlined) as a small JPEG data URI, in one parallel pass.
pub fn check_with_overlays(
    checker: &idphoto::Checker,
    spec: &str,
    photos: &std::path::Path,
    labels: &Labels,
    poses: &BTreeMap<String, Pose>,
) -> (Reports, BTreeMap<String, String>) {
    use base64::Engine as _;
    use rayon::prelude::*;
    let names = photo_names(labels, poses);
    let done: Vec<(String, Result<Report, String>, Option<String>)> = names
        .par_iter()
        .map(|n| match checker.process_path(photos.join(n), spec) {
            Ok(o) => {
                let thumb = o.analysis.as_ref().and_then(|a| {
                    let img = idphoto::image_io::decode_path(photos.join(n), checker.limits())
                        .ok()?
                        .image;
                    let drawn = idphoto::overlay::draw_report(&img, &o.report, a, o.plan.as_ref());
                    let (w, h) = drawn.dimensions();
                    let scale = 240.0 / f64::from(w.max(h).max(1));
                    let small = image::imageops::thumbnail(
                        &drawn,
                        ((f64::from(w) * scale).round() as u32).max(1),
                        ((f64::from(h) * scale).round() as u32).max(1),
                    );
                    let mut jpeg = Vec::new();
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
                        .encode_image(&small)
                        .ok()?;
                    Some(format!(
                        "data:image/jpeg;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(jpeg)
                    ))
                });
                ((*n).clone(), Ok(o.report), thumb)
            }
            Err(e) => ((*n).clone(), Err(e.to_string()), None),
        })
        .collect();
    let mut reports = BTreeMap::new();
    let mut thumbs = BTreeMap::new();
    for (n, r, t) in done {
        if let Some(t) = t {
            thumbs.insert(n.clone(), t);
        }
        reports.insert(n, r);
    }
    (reports, thumbs)
}

/// The photos folder as the page at `page` links it: relative to the page's folder when both
/// resolve, else as an absolute `file:` URL; percent-encoded as the review page's links are.
pub fn href_from(page: &std::path::Path, photos: &std::path::Path) -> String {
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let dir = page
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let rel = match (abs(dir), abs(photos)) {
        (Some(d), Some(p)) => relative(&d, &p),
        _ => None,
    };
    match rel {
        Some(r) => url_path(&r),
        None => original_url(&photos.to_string_lossy())
            .unwrap_or_else(|| url_path(&photos.to_string_lossy())),
    }
}

/// `to` relative to the folder `from` (both absolute), with `..` steps.
fn relative(from: &std::path::Path, to: &std::path::Path) -> Option<String> {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), f.len() - common).collect();
    for c in t.get(common..)? {
        parts.push(c.as_os_str().to_str()?.to_string());
    }
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::limits_for;

    #[test]
    fn a_value_gets_the_limit_named_after_it_with_or_without_its_unit() {
        let lims: Vec<(String, f64)> = [
            ("max_yaw_deg", 10.0),
            ("max_gaze_deg", 15.0),
            ("max_fit_residual_cm", 1.0),
            ("face_width_px.min", 193.0),
            ("face_width_px.max", 221.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let names = |path: &str| -> Vec<String> {
            limits_for(path, &lims)
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        assert_eq!(names("yaw"), ["max_yaw_deg"]);
        assert_eq!(names("gaze"), ["max_gaze_deg"]);
        assert_eq!(names("fit_residual_cm"), ["max_fit_residual_cm"]);
        assert_eq!(
            names("face_width_px"),
            ["face_width_px.min", "face_width_px.max"]
        );
        assert!(names("pitch").is_empty());
        assert!(names("ya").is_empty());
    }
}
