use idphoto::image_io::{decode_path, DecodeLimits};
use idphoto::models::Models;
fn main() {
    let models = Models::load_dir("models").unwrap();
    for p in std::env::args().skip(1) {
        let d = decode_path(&p, &DecodeLimits::default()).unwrap();
        let t = std::time::Instant::now();
        let a = models.analyze(&d.image).unwrap();
        println!("{p}: {}x{} {:?} faces={}", a.width, a.height, t.elapsed(), a.faces.len());
        for f in &a.faces { println!("   score {:.3} box {:?} kp0 {:?}", f.score, f.bbox, f.keypoints[0]); }
        if let Some(lm) = &a.landmarks { println!("   presence {:.3} pose {:?} reye {:?} leye {:?} nose {:?} chin {:?}", lm.presence, a.pose, lm.right_eye(), lm.left_eye(), lm.xy(1), lm.xy(152)); }
        if let Some(pm) = &a.parsing { let fr: Vec<String> = idphoto::analysis::FaceClass::ALL.iter().filter(|k| pm.fraction(**k) > 0.001).map(|k| format!("{:?}={:.3}", k, pm.fraction(*k))).collect(); println!("   parsing {}", fr.join(" ")); }
        if let Some(m) = &a.person { println!("   person coverage {:.3}", m.coverage()); }
    }
}
