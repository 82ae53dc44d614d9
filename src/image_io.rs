//! Decoding uploads safely and encoding outputs to a spec.
//!
//! Decoding sniffs the format from the content (never the file name), caps pixels and memory
//! *before* allocating (a decompression bomb gets [`Error::TooLarge`]), applies the EXIF
//! orientation, and normalises any colour type (CMYK, 16-bit, grayscale, alpha, palette) to
//! 8-bit sRGB. Encoding writes fresh files from pixels only, so no source metadata (EXIF GPS,
//! device, XMP) can leak into an output.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};

use crate::error::{Error, Result};
use crate::spec::{ColorDepth, OutputFormat, OutputSpec};

/// Default cap on decoded pixels: 64 MP covers the 48-MP main cameras of current phones.
pub const DEFAULT_MAX_PIXELS: u64 = 64_000_000;
/// Default cap on any single side, pixels.
pub const DEFAULT_MAX_SIDE: u32 = 20_000;
/// Default cap on decoder allocations, bytes (64 MP × 4 bytes + headroom).
pub const DEFAULT_MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// Default smallest accepted side: below this no face can be analysed.
pub const DEFAULT_MIN_SIDE: u32 = 32;
/// Largest input accepted from a file, bytes (a 64-MP PNG is well under this).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Limits applied while decoding untrusted input.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeLimits {
    /// Largest width × height.
    pub max_pixels: u64,
    /// Largest width or height.
    pub max_side: u32,
    /// Largest memory decoding may take, bytes: the decoded buffer plus its 8-bit RGB copy.
    pub max_alloc: u64,
    /// Smallest width or height.
    pub min_side: u32,
    /// Largest file read from disk, bytes.
    pub max_file_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_pixels: DEFAULT_MAX_PIXELS,
            max_side: DEFAULT_MAX_SIDE,
            max_alloc: DEFAULT_MAX_ALLOC,
            min_side: DEFAULT_MIN_SIDE,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

impl DecodeLimits {
    /// Sets the pixel cap.
    pub fn max_pixels(mut self, v: u64) -> Self {
        self.max_pixels = v;
        self
    }
    /// Sets the side cap.
    pub fn max_side(mut self, v: u32) -> Self {
        self.max_side = v;
        self
    }
    /// Sets the allocation cap.
    pub fn max_alloc(mut self, v: u64) -> Self {
        self.max_alloc = v;
        self
    }
    /// Sets the smallest accepted side.
    pub fn min_side(mut self, v: u32) -> Self {
        self.min_side = v;
        self
    }
}

/// A decoded upload.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// Pixels, 8-bit sRGB, upright.
    pub image: RgbImage,
    /// The format sniffed from the content.
    pub format: ImageFormat,
    /// Whether an EXIF orientation other than "normal" was applied.
    pub rotated: bool,
    /// Whether the pixels were converted to sRGB from an embedded ICC profile (Adobe RGB,
    /// Display P3, ...).
    pub converted_from_icc: bool,
    /// The size the file declares, when it was over the pixel limits and was decoded reduced
    /// (a JPEG's DCT scaled by 1/2, 1/4 or 1/8); `image` is the reduced size.
    pub reduced_from: Option<(u32, u32)>,
}

/// Decodes image bytes under `limits`.
///
/// A JPEG over the pixel limit is decoded reduced (see [`Decoded::reduced_from`]); anything
/// else over it is [`Error::TooLarge`].
///
/// ```
/// use idphoto::image_io::{decode, DecodeLimits};
///
/// let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos/obama.jpg"))?;
/// let photo = decode(&bytes, &DecodeLimits::default())?;
/// assert_eq!(photo.image.dimensions(), (910, 1137));
/// assert_eq!(photo.reduced_from, None);
///
/// // a JPEG over the pixel limit (here 0.3 MP; by default 64 MP) comes out at 1/2, 1/4 or 1/8
/// let small = decode(&bytes, &DecodeLimits::default().max_pixels(300_000))?;
/// assert_eq!(small.reduced_from, Some((910, 1137)));
/// assert_eq!(small.image.dimensions(), (455, 569));
///
/// // not an image: a typed error, never a panic
/// assert!(matches!(decode(b"hello", &DecodeLimits::default()), Err(idphoto::Error::UnsupportedFormat { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::EmptyImage`], [`Error::UnsupportedFormat`], [`Error::TooLarge`],
/// [`Error::TooSmall`] or [`Error::CorruptImage`]; never panics on any input.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Decoded> {
    if bytes.is_empty() {
        return Err(Error::EmptyImage);
    }
    if let Some(kind) = heif_brand(bytes) {
        return Err(Error::UnsupportedFormat {
            detail: Some(format!(
                "{kind} is not supported; export or convert the photo as JPEG (on an iPhone: Settings > Camera > Formats > Most Compatible)"
            )),
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::CorruptImage(e.to_string()))?;
    let format = reader
        .format()
        .ok_or(Error::UnsupportedFormat { detail: None })?;
    if format == ImageFormat::Jpeg && jpeg_end(bytes).is_none() {
        return Err(Error::CorruptImage(
            "truncated: the JPEG's data ends before its end-of-image marker".into(),
        ));
    }
    // The header alone gives the declared size: refuse a bomb before any decoder allocates.
    let mut header = ImageReader::with_format(Cursor::new(bytes), format);
    header.no_limits();
    if let Ok((w, h)) = header.into_dimensions() {
        if let Err(e) = check_dimensions(w, h, limits) {
            // a phone's 50–200 MP JPEG is decoded reduced, within the same limits
            return match e {
                Error::TooLarge { .. } if format == ImageFormat::Jpeg => {
                    decode_jpeg_reduced(bytes, w, h, limits)
                }
                Error::TooLarge { width, height, limit } => Err(Error::TooLarge {
                    width,
                    height,
                    limit: format!(
                        "{limit} (only a JPEG this large is decoded reduced: save the photo as JPEG, or at a smaller size)"
                    ),
                }),
                e => Err(e),
            };
        }
    }
    let mut reader = reader;
    let mut lim = image::Limits::default();
    lim.max_image_width = Some(limits.max_side);
    lim.max_image_height = Some(limits.max_side);
    lim.max_alloc = Some(limits.max_alloc);
    reader.limits(lim);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_image_error(e, 0, 0, limits))?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h, limits)?;
    // Not every codec honours `image::Limits::max_alloc` for its output buffer: bound the
    // decoded pixels plus the 8-bit RGB copy made from them ourselves.
    let need = decoder
        .total_bytes()
        .saturating_add(u64::from(w) * u64::from(h) * 3);
    if need > limits.max_alloc {
        return Err(Error::TooLarge {
            width: w,
            height: h,
            limit: format!(
                "decoding needs {need} bytes, more than the {} allowed",
                limits.max_alloc
            ),
        });
    }
    // A broken EXIF block must not cost the photo: treat it as "no orientation".
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // A broken ICC block is treated as "no profile" (the pixels are taken as sRGB).
    let icc = decoder.icc_profile().ok().flatten();
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(e, w, h, limits))?;
    let rotated = orientation != image::metadata::Orientation::NoTransforms;
    img.apply_orientation(orientation);
    let mut image = to_rgb8(img);
    let converted_from_icc = icc.is_some_and(|p| to_srgb(&mut image, &p));
    Ok(Decoded {
        image,
        format,
        rotated,
        converted_from_icc,
        reduced_from: None,
    })
}

/// The short side a reduced JPEG keeps at least, when the limits allow: an ID photo's output
/// is at most about 1,200 px tall (the largest spec, 2 × 2 in at 600 dpi) and the head and
/// shoulders fill roughly half of a phone photo's short side, so 2,400 px leave every spec's
/// output at full resolution.
pub const REDUCED_MIN_SHORT_SIDE: u32 = 2_400;

/// Decodes a JPEG larger than `limits` with its DCT scaled down (1/2, 1/4 or 1/8: the IDCT
/// computes the smaller image directly, so the full-size pixels are never held): the
/// greatest reduction whose short side keeps [`REDUCED_MIN_SHORT_SIDE`], or else the least
/// that fits the limits. A progressive JPEG keeps every coefficient of the full image while it
/// decodes, so over the limit it is refused with what to do.
fn decode_jpeg_reduced(bytes: &[u8], w: u32, h: u32, limits: &DecodeLimits) -> Result<Decoded> {
    let too_large = |why: String| Error::TooLarge {
        width: w,
        height: h,
        limit: why,
    };
    let fits = |f: u32| {
        let (rw, rh) = (w.div_ceil(f), h.div_ceil(f));
        rw <= limits.max_side
            && rh <= limits.max_side
            && u64::from(rw) * u64::from(rh) <= limits.max_pixels
            // the decoded pixels and their RGB copy
            && u64::from(rw) * u64::from(rh) * 6 <= limits.max_alloc
    };
    let Some(&least) = [2u32, 4, 8].iter().find(|&&f| fits(f)) else {
        return Err(too_large(format!(
            "{} px even at 1/8 size",
            limits.max_pixels
        )));
    };
    let factor = [8u32, 4, 2]
        .into_iter()
        .find(|&f| f >= least && w.min(h).div_ceil(f) >= REDUCED_MIN_SHORT_SIDE)
        .unwrap_or(least);
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc).unwrap_or(usize::MAX));
    d.read_info()
        .map_err(|e| Error::CorruptImage(e.to_string()))?;
    let info = d
        .info()
        .ok_or_else(|| Error::CorruptImage("no JPEG frame header".into()))?;
    if info.coding_process != jpeg_decoder::CodingProcess::DctSequential {
        return Err(too_large(format!(
            "{} px (a progressive JPEG this large cannot be decoded reduced: save it as a baseline JPEG, or at a smaller size)",
            limits.max_pixels
        )));
    }
    // known from the header: refused before any pixel is decoded
    let gray = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => false,
        jpeg_decoder::PixelFormat::L8 => true,
        _ => {
            return Err(too_large(format!(
                "{} px (a CMYK or 16-bit JPEG this large is not decoded reduced: save it as an RGB JPEG, or at a smaller size)",
                limits.max_pixels
            )))
        }
    };
    let req = |v: u32| u16::try_from(v.div_ceil(factor)).unwrap_or(u16::MAX);
    let (rw, rh) = d
        .scale(req(w), req(h))
        .map_err(|e| Error::CorruptImage(e.to_string()))?;
    let pixels = d.decode().map_err(|e| match e {
        jpeg_decoder::Error::Format(m) => Error::CorruptImage(m),
        other => too_large(format!("{} px: {other}", limits.max_pixels)),
    })?;
    let (rw, rh) = (u32::from(rw), u32::from(rh));
    let mut dynamic = if gray {
        image::GrayImage::from_raw(rw, rh, pixels).map(DynamicImage::ImageLuma8)
    } else {
        RgbImage::from_raw(rw, rh, pixels).map(DynamicImage::ImageRgb8)
    }
    .ok_or_else(|| {
        Error::CorruptImage("the JPEG decoded to fewer pixels than it declares".into())
    })?;
    check_dimensions(rw, rh, limits)?;
    let orientation = d
        .exif_data()
        .and_then(image::metadata::Orientation::from_exif_chunk)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let rotated = orientation != image::metadata::Orientation::NoTransforms;
    dynamic.apply_orientation(orientation);
    let mut image = to_rgb8(dynamic);
    let converted_from_icc = d.icc_profile().is_some_and(|p| to_srgb(&mut image, &p));
    Ok(Decoded {
        image,
        format: ImageFormat::Jpeg,
        rotated,
        converted_from_icc,
        reduced_from: Some((w, h)),
    })
}

/// Converts `img` in place from the RGB colour space its embedded ICC `profile` describes to
/// sRGB (moxcms, perceptual intent). Returns whether it converted: profiles that do not parse,
/// are not RGB, or are sRGB already leave the pixels as they are.
fn to_srgb(img: &mut RgbImage, profile: &[u8]) -> bool {
    use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};
    let Ok(src) = ColorProfile::new_from_slice(profile) else {
        return false;
    };
    if src.color_space != DataColorSpace::Rgb {
        return false;
    }
    let srgb = ColorProfile::new_srgb();
    // a matrix/shaper profile with sRGB's primaries is sRGB (as stored: s15.16 numbers)
    let near = |a: &moxcms::Xyzd, b: &moxcms::Xyzd| {
        (a.x - b.x).abs() < 2e-3 && (a.y - b.y).abs() < 2e-3 && (a.z - b.z).abs() < 2e-3
    };
    if src.lut_a_to_b_perceptual.is_none()
        && near(&src.red_colorant, &srgb.red_colorant)
        && near(&src.green_colorant, &srgb.green_colorant)
        && near(&src.blue_colorant, &srgb.blue_colorant)
    {
        return false;
    }
    let Ok(t) =
        src.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default())
    else {
        return false;
    };
    let mut out = vec![0u8; img.as_raw().len()];
    if t.transform(img.as_raw(), &mut out).is_err() {
        return false;
    }
    let (w, h) = img.dimensions();
    match RgbImage::from_raw(w, h, out) {
        Some(o) => {
            *img = o;
            true
        }
        None => false,
    }
}

/// `Some("HEIC/HEIF")` (or AVIF) when `bytes` is an ISO-BMFF image container, by its `ftyp`
/// brand: formats idphoto cannot decode, named so the user knows what to convert.
fn heif_brand(bytes: &[u8]) -> Option<&'static str> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    match bytes.get(8..12)? {
        b"avif" | b"avis" => Some("AVIF"),
        b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"hevm" | b"hevs" | b"mif1"
        | b"msf1" | b"mif2" => Some("HEIC/HEIF"),
        _ => None,
    }
}

/// Reads and decodes a file, refusing files larger than `limits.max_file_bytes`.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, else as [`decode`].
pub fn decode_path(path: impl AsRef<Path>, limits: &DecodeLimits) -> Result<Decoded> {
    let bytes = read_file_capped(path.as_ref(), limits.max_file_bytes)?;
    decode(&bytes, limits)
}

/// Reads a whole file, refusing one larger than `max` bytes.
///
/// # Errors
/// [`Error::Io`], or [`Error::TooLarge`] when the file exceeds `max`.
pub fn read_file_capped(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(Error::TooLarge {
            width: 0,
            height: 0,
            limit: format!("{max} bytes per file"),
        });
    }
    Ok(bytes)
}

/// The offset just past a JPEG's end-of-image marker, walking its marker segments and
/// entropy-coded scans as a decoder does; `None` when the data ends first (a truncated file).
/// Bytes after the end marker (a phone's "motion photo" video, padding) are not looked at.
pub fn jpeg_end(b: &[u8]) -> Option<usize> {
    if b.len() < 4 || b.get(..2) != Some(&[0xFF, 0xD8]) {
        return None;
    }
    let len_at = |i: usize| -> Option<usize> {
        Some(usize::from(*b.get(i)?) << 8 | usize::from(*b.get(i + 1)?))
    };
    let mut i = 2;
    loop {
        // the next marker: decoders skip stray bytes and fill 0xFF bytes before it
        i += b.get(i..)?.iter().position(|&x| x == 0xFF)?;
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let m = *b.get(i)?;
        i += 1;
        match m {
            0xD9 => return Some(i),
            0x00 | 0x01 | 0xD0..=0xD8 => {}
            0xDA => {
                i += len_at(i)?;
                // entropy-coded data runs to the first 0xFF that starts a marker
                loop {
                    i += b.get(i..)?.iter().position(|&x| x == 0xFF)?;
                    match *b.get(i + 1)? {
                        0x00 | 0xD0..=0xD7 => i += 2,
                        0xFF => i += 1,
                        _ => break,
                    }
                }
            }
            _ => {
                let len = len_at(i)?;
                if len < 2 {
                    return None;
                }
                i += len;
            }
        }
    }
}

fn check_dimensions(w: u32, h: u32, limits: &DecodeLimits) -> Result<()> {
    if w > limits.max_side || h > limits.max_side {
        return Err(Error::TooLarge {
            width: w,
            height: h,
            limit: format!("{} px per side", limits.max_side),
        });
    }
    if (w as u64) * (h as u64) > limits.max_pixels {
        return Err(Error::TooLarge {
            width: w,
            height: h,
            limit: format!("{} px", limits.max_pixels),
        });
    }
    if w < limits.min_side || h < limits.min_side {
        return Err(Error::TooSmall {
            width: w,
            height: h,
            min_side: limits.min_side,
        });
    }
    Ok(())
}

fn map_image_error(e: ImageError, w: u32, h: u32, limits: &DecodeLimits) -> Error {
    match e {
        ImageError::Limits(l) => Error::TooLarge {
            width: w,
            height: h,
            limit: format!(
                "{} ({} px per side, {} bytes of memory)",
                l, limits.max_side, limits.max_alloc
            ),
        },
        ImageError::Unsupported(u) => Error::UnsupportedFormat {
            detail: Some(u.to_string()),
        },
        // a legal file using a feature the decoder lacks (arithmetic-coded JPEG, ...)
        ImageError::Decoding(d) if d.to_string().contains("not supported") => {
            Error::UnsupportedFormat {
                detail: Some(d.to_string()),
            }
        }
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::CorruptImage(format!("truncated: {io}"))
        }
        other => Error::CorruptImage(other.to_string()),
    }
}

/// Converts any colour type to 8-bit RGB; transparent pixels are composited over white (the
/// colour most documents want behind the head).
pub fn to_rgb8(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = p[3] as u32;
        for c in 0..3 {
            o[c] = ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// A quarter turn that makes a photo upright (clockwise), for photos stored sideways or upside
/// down without an EXIF orientation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rotation {
    /// Already upright.
    #[default]
    None,
    /// Turned 90° clockwise.
    Cw90,
    /// Turned 180°.
    Cw180,
    /// Turned 270° clockwise (90° counter-clockwise).
    Cw270,
}

impl Rotation {
    /// The turn of `quarter_turns` × 90° clockwise (any integer, taken modulo 4).
    pub fn from_quarter_turns(quarter_turns: i64) -> Rotation {
        match quarter_turns.rem_euclid(4) {
            1 => Rotation::Cw90,
            2 => Rotation::Cw180,
            3 => Rotation::Cw270,
            _ => Rotation::None,
        }
    }

    /// Clockwise degrees: 0, 90, 180 or 270.
    pub fn degrees(self) -> u32 {
        match self {
            Rotation::None => 0,
            Rotation::Cw90 => 90,
            Rotation::Cw180 => 180,
            Rotation::Cw270 => 270,
        }
    }

    /// Turns `img` (lossless); `None` for [`Rotation::None`].
    pub fn apply(self, img: &RgbImage) -> Option<RgbImage> {
        match self {
            Rotation::None => None,
            Rotation::Cw90 => Some(image::imageops::rotate90(img)),
            Rotation::Cw180 => Some(image::imageops::rotate180(img)),
            Rotation::Cw270 => Some(image::imageops::rotate270(img)),
        }
    }
}

/// An encoded output file.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Format written.
    pub format: OutputFormat,
    /// JPEG quality used.
    pub jpeg_quality: Option<u8>,
    /// Whether the size lies in the spec's `file_size_kb` range (true when it gives none).
    pub size_in_range: bool,
}

/// Encodes `img` as the spec's output asks: format, colour depth, DPI in the header, and for
/// JPEG with a `file_size_kb` range, a quality search that lands inside it when possible.
///
/// # Errors
/// [`Error::Encode`] if the encoder fails.
pub fn encode(img: &RgbImage, out: &OutputSpec) -> Result<Encoded> {
    let gray = out.color == ColorDepth::Gray8;
    match out.format {
        OutputFormat::Png => {
            let bytes = encode_png(img, out.dpi, gray)?;
            let size_in_range = in_range(bytes.len(), out);
            Ok(Encoded {
                bytes,
                format: OutputFormat::Png,
                jpeg_quality: None,
                size_in_range,
            })
        }
        OutputFormat::Jpeg => {
            let start = out.jpeg_quality.clamp(1, 100);
            let first = encode_jpeg(img, start, out.dpi, gray)?;
            let Some(range) = out.file_size_kb else {
                return Ok(jpeg_result(first, start, true));
            };
            if in_range(first.len(), out) {
                return Ok(jpeg_result(first, start, true));
            }
            let too_big = range.max.is_some_and(|m| first.len() as f64 > m * 1000.0);
            // File size grows with quality (monotone in practice). Bisect for the quality
            // nearest the spec's own that lands in the range: the highest whose file is not
            // above the maximum when the first try was too big, the lowest that reaches the
            // minimum when it was too small (a file that fits at a needlessly low quality
            // loses detail the document's rules ask for).
            let (mut lo, mut hi) = if too_big {
                (1i32, i32::from(start) - 1)
            } else {
                (i32::from(start) + 1, 100i32)
            };
            // The next quality to try is read off the sizes measured so far (file size is
            // close to linear in quality over a few steps): interpolated between the nearest
            // tries either side of the range's edge, or scaled from the one try when there is
            // only one side, for the first probes; then plain halving, so the worst case is
            // a bisection's plus those probes. obama.jpg and grace_hopper.jpg for cn/id-card: 3
            // encodes after the first instead of 6; the quality found is the same (the search
            // still brackets the one quality where the file crosses the edge).
            let edge = 1000.0
                * if too_big {
                    range.max.unwrap_or(f64::MAX)
                } else {
                    range.min.unwrap_or(0.0)
                };
            let mut smaller: Option<(f64, f64)> = None; // (quality, bytes) under the edge
            let mut larger: Option<(f64, f64)> = None; // … over it
            let first_point = (f64::from(start), first.len() as f64);
            if too_big {
                larger = Some(first_point);
            } else {
                smaller = Some(first_point);
            }
            let mut probes = 0;
            let mut best = (first, start);
            let mut found: Option<(Vec<u8>, u8)> = None;
            while lo <= hi {
                let guess = match (smaller, larger) {
                    (Some((q0, s0)), Some((q1, s1))) if s1 > s0 => {
                        Some(q0 + (edge - s0) * (q1 - q0) / (s1 - s0))
                    }
                    (None, Some((q, s))) | (Some((q, s)), None) if s > 0.0 => Some(q * edge / s),
                    _ => None,
                };
                let mid = match guess {
                    // the highest quality under the maximum, the lowest over the minimum
                    Some(g) if probes < SEEDED_PROBES && g.is_finite() => {
                        let g = if too_big { g.floor() } else { g.ceil() };
                        (g as i32).clamp(lo, hi)
                    }
                    _ => lo + (hi - lo) / 2,
                };
                probes += 1;
                let q = mid.clamp(1, 100) as u8;
                let bytes = encode_jpeg(img, q, out.dpi, gray)?;
                let len = bytes.len() as f64;
                let point = Some((f64::from(q), len));
                if len <= edge {
                    if smaller.is_none_or(|(sq, _)| f64::from(q) > sq) {
                        smaller = point;
                    }
                } else if larger.is_none_or(|(lq, _)| f64::from(q) < lq) {
                    larger = point;
                }
                let side_ok = if too_big {
                    range.max.is_none_or(|m| len <= m * 1000.0)
                } else {
                    range.min.is_none_or(|m| len >= m * 1000.0)
                };
                let in_range = side_ok && range.contains(len / 1000.0);
                if side_ok {
                    if too_big {
                        lo = mid + 1;
                    } else {
                        hi = mid - 1;
                    }
                } else if too_big {
                    hi = mid - 1;
                } else {
                    lo = mid + 1;
                }
                // the latest in-range try is the nearest the spec's quality so far; the closest
                // miss only matters while none is in range
                if in_range {
                    found = Some((bytes, q));
                } else if found.is_none() {
                    best = closer(best, (bytes, q), &range);
                }
            }
            if let Some((bytes, q)) = found {
                return Ok(jpeg_result(bytes, q, true));
            }
            let (bytes, q) = best;
            let ok = in_range(bytes.len(), out);
            Ok(jpeg_result(bytes, q, ok))
        }
    }
}

/// Probes of the JPEG quality search that are read off the measured sizes before it falls back
/// to halving the interval.
const SEEDED_PROBES: usize = 3;

fn closer(a: (Vec<u8>, u8), b: (Vec<u8>, u8), range: &crate::spec::Range) -> (Vec<u8>, u8) {
    let dist = |n: usize| range.distance(n as f64 / 1000.0);
    // ties go to the later try: the search moves towards the range
    if dist(b.0.len()) <= dist(a.0.len()) {
        b
    } else {
        a
    }
}

fn jpeg_result(bytes: Vec<u8>, q: u8, ok: bool) -> Encoded {
    Encoded {
        bytes,
        format: OutputFormat::Jpeg,
        jpeg_quality: Some(q),
        size_in_range: ok,
    }
}

fn in_range(len: usize, out: &OutputSpec) -> bool {
    out.file_size_kb
        .is_none_or(|r| r.contains(len as f64 / 1000.0))
}

/// Baseline JPEG with a JFIF header carrying `dpi`, no other metadata.
///
/// # Errors
/// [`Error::Encode`].
pub fn encode_jpeg(img: &RgbImage, quality: u8, dpi: u32, gray: bool) -> Result<Vec<u8>> {
    use jpeg_encoder::{ColorType, Encoder, PixelDensity, SamplingFactor};
    let (w, h) = img.dimensions();
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(Error::Encode(format!(
            "{w}×{h} exceeds JPEG's 65535-pixel side"
        )));
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut enc = Encoder::new(&mut buf, quality.clamp(1, 100));
    enc.set_density(PixelDensity::dpi(dpi.min(u16::MAX as u32) as u16));
    // full-resolution chroma (4:4:4) at every quality: skin tone and the backdrop edge stay clean
    enc.set_sampling_factor(SamplingFactor::F_1_1);
    let res = if gray {
        let l = DynamicImage::ImageRgb8(img.clone()).into_luma8();
        enc.encode(l.as_raw(), w16, h16, ColorType::Luma)
    } else {
        enc.encode(img.as_raw(), w16, h16, ColorType::Rgb)
    };
    res.map_err(|e| Error::Encode(e.to_string()))?;
    Ok(buf)
}

/// PNG with a pHYs chunk carrying `dpi`, no other metadata.
///
/// # Errors
/// [`Error::Encode`].
pub fn encode_png(img: &RgbImage, dpi: u32, gray: bool) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut buf, img.width(), img.height());
        enc.set_color(if gray {
            png::ColorType::Grayscale
        } else {
            png::ColorType::Rgb
        });
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (dpi as f64 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut w = enc
            .write_header()
            .map_err(|e| Error::Encode(e.to_string()))?;
        let data: Vec<u8> = if gray {
            DynamicImage::ImageRgb8(img.clone()).into_luma8().into_raw()
        } else {
            img.as_raw().clone()
        };
        w.write_image_data(&data)
            .map_err(|e| Error::Encode(e.to_string()))?;
        w.finish().map_err(|e| Error::Encode(e.to_string()))?;
    }
    Ok(buf)
}

/// Reads the DPI from a JPEG's JFIF header (`None` when absent or not in dots per inch).
pub fn jpeg_dpi(bytes: &[u8]) -> Option<(u16, u16)> {
    // SOI, then APP0 "JFIF\0": version(2) units(1) xdensity(2) ydensity(2)
    let app0 = bytes.get(2..4)?;
    if app0 != [0xFF, 0xE0] || bytes.get(6..11)? != b"JFIF\0" {
        return None;
    }
    let units = *bytes.get(13)?;
    let x = u16::from_be_bytes([*bytes.get(14)?, *bytes.get(15)?]);
    let y = u16::from_be_bytes([*bytes.get(16)?, *bytes.get(17)?]);
    (units == 1).then_some((x, y))
}
