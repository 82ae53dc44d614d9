//! The receipt slip (回执单): the photo, the document and city, the masked ID number, the date
//! and the receipt number as a Code 128 barcode — as a PNG, and as printable HTML around it.

use ab_glyph::{FontRef, PxScale};
use base64::Engine as _;
use image::{imageops, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_rect_mut, draw_text_mut};
use imageproc::rect::Rect;

/// What a slip shows.
pub struct SlipData<'a> {
    /// The receipt number (18 digits).
    pub number: &'a str,
    /// The spec's names (document and city), zh and en.
    pub document_zh: &'a str,
    pub document_en: &'a str,
    /// The region code of the receipt service (GB/T 2260), when the spec has one.
    pub region_code: Option<&'a str>,
    /// The ID number, already masked.
    pub id_masked: Option<&'a str>,
    /// The issue date, `YYYY-MM-DD`.
    pub date: &'a str,
    /// The receipt's photo.
    pub photo: &'a RgbImage,
}

/// The slip's size in pixels (a 4:3 card at about 150 dpi).
const WIDTH: u32 = 900;
const HEIGHT: u32 = 640;
/// Pixels per barcode module, and the barcode's height.
const MODULE_PX: u32 = 3;
const BAR_HEIGHT: u32 = 110;
/// Quiet zone either side of the barcode, in modules (Code 128 asks for at least 10).
const QUIET_MODULES: u32 = 10;

const INK: Rgb<u8> = Rgb([20, 20, 20]);
const GREY: Rgb<u8> = Rgb([110, 110, 110]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// The labels the slip prints (their characters are in the font subset: see
/// `assets/fonts/subset_noto_cjk.py`).
const TITLE: &str = "照片回执 · Photo receipt";
const LABEL_DOCUMENT: &str = "证件 Document";
const LABEL_REGION: &str = "地区 Region code";
const LABEL_ID: &str = "身份证号 ID number";
const LABEL_DATE: &str = "日期 Date";
const LABEL_NUMBER: &str = "回执号 Receipt number";

/// The Code 128 modules (1 = bar) of a receipt number: code set C (two digits per symbol).
pub fn barcode_modules(number: &str) -> Result<Vec<u8>, String> {
    let code = barcoders::sym::code128::Code128::new(format!("\u{0106}{number}"))
        .map_err(|e| format!("barcode: {e}"))?;
    Ok(code.encode())
}

fn text(img: &mut RgbImage, font: &FontRef<'_>, x: i32, y: i32, px: f32, color: Rgb<u8>, s: &str) {
    draw_text_mut(img, color, x, y, PxScale::from(px), font, s);
}

/// The slip as an image.
pub fn render(data: &SlipData<'_>) -> Result<RgbImage, String> {
    let font = FontRef::try_from_slice(idphoto::overlay::label_font())
        .map_err(|e| format!("font: {e}"))?;
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, WHITE);
    draw_hollow_rect_mut(
        &mut img,
        Rect::at(8, 8).of_size(WIDTH - 16, HEIGHT - 16),
        GREY,
    );
    text(&mut img, &font, 32, 24, 34.0, INK, TITLE);

    // the photo, at most 250 × 310, framed
    let (pw, ph) = data.photo.dimensions();
    let scale = (250.0 / pw.max(1) as f32).min(310.0 / ph.max(1) as f32);
    let (w, h) = (
        ((pw as f32 * scale).round() as u32).max(1),
        ((ph as f32 * scale).round() as u32).max(1),
    );
    let small = imageops::resize(data.photo, w, h, imageops::FilterType::Triangle);
    let (px, py) = (32i64, 84i64);
    imageops::replace(&mut img, &small, px, py);
    draw_hollow_rect_mut(
        &mut img,
        Rect::at(px as i32 - 1, py as i32 - 1).of_size(w + 2, h + 2),
        GREY,
    );

    // the fields
    let x = 310;
    let mut y = 88;
    let mut field = |img: &mut RgbImage, label: &str, lines: &[&str]| {
        text(img, &font, x, y, 20.0, GREY, label);
        y += 26;
        for l in lines {
            text(img, &font, x, y, 26.0, INK, l);
            y += 32;
        }
        y += 8;
    };
    field(
        &mut img,
        LABEL_DOCUMENT,
        &[data.document_zh, data.document_en],
    );
    if let Some(r) = data.region_code {
        field(&mut img, LABEL_REGION, &[r]);
    }
    if let Some(id) = data.id_masked {
        field(&mut img, LABEL_ID, &[id]);
    }
    field(&mut img, LABEL_DATE, &[data.date]);

    // the barcode, centred under the photo and fields, the number under it
    let modules = barcode_modules(data.number)?;
    let bar_w = (modules.len() as u32 + 2 * QUIET_MODULES) * MODULE_PX;
    let bx = (WIDTH.saturating_sub(bar_w) / 2) as i32;
    let by = (HEIGHT - BAR_HEIGHT - 90) as i32;
    for (i, m) in modules.iter().enumerate() {
        if *m == 1 {
            let mx = bx + ((QUIET_MODULES + i as u32) * MODULE_PX) as i32;
            draw_filled_rect_mut(
                &mut img,
                Rect::at(mx, by).of_size(MODULE_PX, BAR_HEIGHT),
                INK,
            );
        }
    }
    text(
        &mut img,
        &font,
        bx + 20,
        by + BAR_HEIGHT as i32 + 8,
        18.0,
        GREY,
        LABEL_NUMBER,
    );
    let grouped: Vec<String> = data
        .number
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    text(
        &mut img,
        &font,
        bx + 20,
        by + BAR_HEIGHT as i32 + 32,
        30.0,
        INK,
        &grouped.join(" "),
    );
    Ok(img)
}

/// The slip as a printable page: the PNG at its print size, nothing else.
pub fn html(number: &str, png: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>照片回执 {number}</title>
<style>
  @page {{ size: A5 landscape; margin: 10mm; }}
  body {{ margin: 0; display: flex; justify-content: center; }}
  img {{ width: 150mm; height: auto; }}
  @media screen {{ body {{ padding: 24px; background: #eee; }} img {{ background: #fff; box-shadow: 0 1px 4px #999; }} }}
</style></head>
<body><img alt="照片回执 {number}" src="data:image/png;base64,{b64}"></body></html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character the slip can print has a glyph: the labels and every spec's name.
    #[test]
    fn the_font_has_every_character_the_slip_prints() {
        use ab_glyph::Font as _;
        let font = FontRef::try_from_slice(idphoto::overlay::label_font()).unwrap();
        let registry = idphoto::SpecRegistry::builtin().unwrap();
        let mut texts: Vec<String> = [
            TITLE,
            LABEL_DOCUMENT,
            LABEL_REGION,
            LABEL_ID,
            LABEL_DATE,
            LABEL_NUMBER,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for spec in registry.iter() {
            texts.push(spec.name.zh.clone());
            texts.push(spec.name.en.clone());
        }
        for t in &texts {
            for c in t.chars().filter(|c| !c.is_whitespace()) {
                assert_ne!(font.glyph_id(c).0, 0, "no glyph for {c:?} in {t:?}");
            }
        }
    }
}
