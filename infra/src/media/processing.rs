//! What an upload is, judged by its bytes (never by a file name), and photos stripped of their
//! metadata (a resident's photo must not publish where they live).
//!
//! Voice notes are not decoded: they are recognised by their container or frame headers and
//! stored as they came. Photos are decoded and re-encoded, so nothing but pixels survives.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::MediaError;

/// The longest side a photo may have; larger ones are refused before their pixels are decoded.
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// The most memory one photo's decoded pixels may take (a decompression bomb stops here).
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Voice,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Voice => "voice",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image" => Some(Self::Image),
            "voice" => Some(Self::Voice),
            _ => None,
        }
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an upload's bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub kind: MediaKind,
    pub mime: &'static str,
    pub ext: &'static str,
}

pub const JPEG: Sniffed = Sniffed { kind: MediaKind::Image, mime: "image/jpeg", ext: "jpg" };
pub const PNG: Sniffed = Sniffed { kind: MediaKind::Image, mime: "image/png", ext: "png" };
pub const WEBP: Sniffed = Sniffed { kind: MediaKind::Image, mime: "image/webp", ext: "webp" };
pub const MP3: Sniffed = Sniffed { kind: MediaKind::Voice, mime: "audio/mpeg", ext: "mp3" };
pub const AAC: Sniffed = Sniffed { kind: MediaKind::Voice, mime: "audio/aac", ext: "aac" };
pub const M4A: Sniffed = Sniffed { kind: MediaKind::Voice, mime: "audio/mp4", ext: "m4a" };
pub const WAV: Sniffed = Sniffed { kind: MediaKind::Voice, mime: "audio/wav", ext: "wav" };

/// Says what `bytes` are by their content alone.
///
/// Accepted: JPEG, PNG and WebP photos; MP3 (an ID3v2 tag followed by an MPEG audio layer III
/// frame, or such a frame alone), AAC in ADTS frames, M4A (an ISO media file whose brand is an
/// audio one, or a generic brand with a sound track and no video track) and PCM/RIFF WAV.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, MediaError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(JPEG);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(PNG);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") {
        match &bytes[8..12] {
            b"WEBP" => return Ok(WEBP),
            b"WAVE" => return Ok(WAV),
            _ => return Err(MediaError::Unsupported),
        }
    }
    if is_m4a(bytes) {
        return Ok(M4A);
    }
    if let Some(after_tag) = id3v2_end(bytes) {
        let frames = bytes.get(after_tag..).unwrap_or_default();
        // Encoders may pad past the declared tag size with zeros.
        let first = frames.iter().position(|&b| b != 0).unwrap_or(frames.len());
        let frames = &frames[first..];
        return if is_mpeg_layer3_frame(frames) {
            Ok(MP3)
        } else if is_adts_frame(frames) {
            Ok(AAC)
        } else {
            Err(MediaError::Unsupported)
        };
    }
    if is_mpeg_layer3_frame(bytes) {
        return Ok(MP3);
    }
    if is_adts_frame(bytes) {
        return Ok(AAC);
    }
    Err(MediaError::Unsupported)
}

/// Checks an upload declared as `expected`: its size against `limit` bytes (before anything
/// else), its format by [`sniff`], and that the format is of the declared kind.
pub fn check(bytes: &[u8], expected: MediaKind, limit: usize) -> Result<Sniffed, MediaError> {
    if bytes.len() > limit {
        return Err(MediaError::TooLarge { limit });
    }
    let sniffed = sniff(bytes)?;
    if sniffed.kind != expected {
        return Err(MediaError::WrongKind { expected, found: sniffed.kind });
    }
    Ok(sniffed)
}

/// Decodes a photo, turns its pixels the way its EXIF orientation says, and re-encodes it in the
/// same format with no metadata at all: no EXIF (so no GPS), no XMP, no ICC profile, no text.
///
/// JPEG is re-encoded at quality 85, PNG as PNG, WebP as lossless WebP. A photo wider or taller
/// than [`MAX_IMAGE_SIDE`], or whose pixels need more than [`MAX_DECODE_BYTES`], is refused as
/// `TooLarge` (with that memory cap as the limit) before it is decoded. This is CPU work:
/// call it off the async executor.
pub fn sanitize_image(bytes: &[u8], sniffed: Sniffed) -> Result<Vec<u8>, MediaError> {
    let format = match sniffed.mime {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        _ if sniffed.kind == MediaKind::Voice => {
            return Err(MediaError::WrongKind { expected: MediaKind::Image, found: MediaKind::Voice })
        }
        _ => return Err(MediaError::Unsupported),
    };
    let picture = decode_upright(bytes, format)?;
    // `write_with_encoder` converts the pixels to what the encoder takes (JPEG drops alpha,
    // WebP takes 8-bit samples); PNG keeps them as they are.
    let mut out = Vec::with_capacity(bytes.len());
    let written = match format {
        ImageFormat::Jpeg => {
            picture.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        }
        ImageFormat::WebP => picture.write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out)),
        _ => picture.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)),
    };
    // The pixels decoded, so an encoder refusing them says the input was something odd.
    written.map_err(|_| MediaError::Corrupt)?;
    Ok(out)
}

fn decode_upright(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, MediaError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    // The dimensions are checked here, from the headers, before any pixel is decoded.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    limits.reserve(decoder.total_bytes()).map_err(decode_error)?;
    let orientation = decoder.orientation().map_err(decode_error)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

fn decode_error(error: ImageError) -> MediaError {
    match error {
        ImageError::Limits(_) => {
            MediaError::TooLarge { limit: usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX) }
        }
        ImageError::Unsupported(_) => MediaError::Unsupported,
        _ => MediaError::Corrupt,
    }
}

/// The end of a leading ID3v2 tag, if `bytes` start with a well-formed tag header.
fn id3v2_end(bytes: &[u8]) -> Option<usize> {
    let header = bytes.get(..10)?;
    if &header[..3] != b"ID3" || !(2..=4).contains(&header[3]) || header[4] == 0xFF {
        return None;
    }
    let size_bytes = &header[6..10];
    if size_bytes.iter().any(|b| b & 0x80 != 0) {
        return None;
    }
    // A "synchsafe" integer: seven bits per byte.
    let size = size_bytes.iter().fold(0usize, |n, &b| (n << 7) | usize::from(b));
    let footer = if header[3] == 4 && header[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// An MPEG audio (1, 2 or 2.5) layer III frame header.
fn is_mpeg_layer3_frame(bytes: &[u8]) -> bool {
    let Some(h) = bytes.get(..4) else { return false };
    let sync = h[0] == 0xFF && h[1] & 0xE0 == 0xE0;
    let version_reserved = (h[1] >> 3) & 0b11 == 0b01;
    let layer3 = (h[1] >> 1) & 0b11 == 0b01;
    let bitrate = h[2] >> 4;
    let sample_rate = (h[2] >> 2) & 0b11;
    sync && !version_reserved && layer3 && bitrate != 0 && bitrate != 0xF && sample_rate != 0b11
}

/// An AAC frame header in ADTS (the sync word followed by layer 0).
fn is_adts_frame(bytes: &[u8]) -> bool {
    let Some(h) = bytes.get(..7) else { return false };
    let sync = h[0] == 0xFF && h[1] & 0xF6 == 0xF0;
    let sampling_index = (h[2] >> 2) & 0x0F;
    let frame_length = (usize::from(h[3] & 0b11) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
    sync && sampling_index < 13 && frame_length >= 7
}

/// Brands that say the file is audio.
const AUDIO_BRANDS: [&[u8; 4]; 2] = [b"M4A ", b"M4B "];
/// Brands any MP4 may carry: audio only when its tracks say so.
const GENERIC_BRANDS: [&[u8; 4]; 9] = [b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"dash"];

/// An ISO base media file ("MP4") holding sound and no video.
fn is_m4a(bytes: &[u8]) -> bool {
    let mut top = Boxes(bytes);
    let Some((kind, ftyp)) = top.next() else { return false };
    if &kind != b"ftyp" {
        return false;
    }
    // Major brand, minor version, then the compatible brands.
    let Some(major) = ftyp.get(..4) else { return false };
    let compatible = ftyp.get(8..).unwrap_or_default().chunks_exact(4);
    let brands: Vec<&[u8]> = std::iter::once(major).chain(compatible).collect();
    let audio_brand = brands.iter().any(|b| AUDIO_BRANDS.iter().any(|a| a.as_slice() == *b));
    let generic_brand = brands.iter().any(|b| GENERIC_BRANDS.iter().any(|g| g.as_slice() == *b));
    if !audio_brand && !generic_brand {
        return false;
    }
    let handlers = track_handlers(bytes);
    if handlers.iter().any(|h| h == b"vide") {
        return false;
    }
    audio_brand || handlers.iter().any(|h| h == b"soun")
}

/// The handler type of every track (`moov/trak/mdia/hdlr`): `soun`, `vide`, …
fn track_handlers(bytes: &[u8]) -> Vec<[u8; 4]> {
    let mut handlers = Vec::new();
    for (_, moov) in Boxes(bytes).filter(|(t, _)| t == b"moov") {
        for (_, trak) in Boxes(moov).filter(|(t, _)| t == b"trak") {
            for (_, mdia) in Boxes(trak).filter(|(t, _)| t == b"mdia") {
                for (_, hdlr) in Boxes(mdia).filter(|(t, _)| t == b"hdlr") {
                    // Version and flags, pre_defined, then the handler type.
                    if let Some(Ok(handler)) = hdlr.get(8..12).map(<[u8; 4]>::try_from) {
                        handlers.push(handler);
                    }
                }
            }
        }
    }
    handlers
}

/// The boxes laid end to end in an ISO media file, as (type, body); stops at the first box
/// whose size does not fit.
struct Boxes<'a>(&'a [u8]);

impl<'a> Iterator for Boxes<'a> {
    type Item = ([u8; 4], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let data = self.0;
        let size = u32::from_be_bytes(data.get(..4)?.try_into().ok()?);
        let kind: [u8; 4] = data.get(4..8)?.try_into().ok()?;
        let (header, total) = match size {
            0 => (8, data.len()),
            1 => {
                let large = u64::from_be_bytes(data.get(8..16)?.try_into().ok()?);
                (16, usize::try_from(large).ok()?)
            }
            n => (8, usize::try_from(n).ok()?),
        };
        if total < header || total > data.len() {
            self.0 = &[];
            return None;
        }
        self.0 = &data[total..];
        Some((kind, &data[header..total]))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::media::fixtures::*;
    use image::GenericImageView;

    const LIMIT: usize = 10 * 1024 * 1024;

    fn adts() -> Vec<u8> {
        // MPEG-4 AAC LC, 44.1 kHz, stereo, a 7-byte frame with no payload.
        vec![0xFF, 0xF1, 0x50, 0x80, 0x00, 0xFF, 0xFC]
    }

    fn m4a(major: &[u8; 4], compatible: &[u8], handlers: &[&[u8; 4]]) -> Vec<u8> {
        fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
            let mut out = u32::try_from(body.len() + 8).unwrap().to_be_bytes().to_vec();
            out.extend(kind);
            out.extend(body);
            out
        }
        let mut ftyp = major.to_vec();
        ftyp.extend(0u32.to_be_bytes());
        ftyp.extend(compatible);
        let mut moov = Vec::new();
        for handler in handlers {
            let mut hdlr = vec![0u8; 8];
            hdlr.extend(*handler);
            hdlr.extend([0u8; 13]);
            moov.extend(boxed(b"trak", &boxed(b"mdia", &boxed(b"hdlr", &hdlr))));
        }
        let mut file = boxed(b"ftyp", &ftyp);
        file.extend(boxed(b"mdat", &[0u8; 32]));
        file.extend(boxed(b"moov", &moov));
        file
    }

    fn webp(w: u32, h: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([x as u8, 10, 20, 255]));
        let mut out = Vec::new();
        DynamicImage::ImageRgba8(picture)
            .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
            .unwrap();
        out
    }

    fn is_red(p: image::Rgba<u8>) -> bool {
        p[0] > 200 && p[1] < 60 && p[2] < 60
    }

    fn is_blue(p: image::Rgba<u8>) -> bool {
        p[0] < 60 && p[1] < 60 && p[2] > 200
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in [MediaKind::Image, MediaKind::Voice] {
            assert_eq!(MediaKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MediaKind::parse("video"), None);
    }

    #[test]
    fn accepted_formats_sniff_by_content() {
        assert_eq!(sniff(&jpeg_with_gps(8, 8, 1)), Ok(JPEG));
        assert_eq!(sniff(&png(4, 4)), Ok(PNG));
        assert_eq!(sniff(&webp(4, 4)), Ok(WEBP));
        assert_eq!(sniff(&mp3_frame_bytes()), Ok(MP3));
        assert_eq!(sniff(&mp3_frame_bytes()[mp3_frame_bytes().len() - 2 * 417..]), Ok(MP3), "no tag");
        assert_eq!(sniff(&adts()), Ok(AAC));
        assert_eq!(sniff(&m4a(b"M4A ", b"M4A mp42isom", &[b"soun"])), Ok(M4A));
        assert_eq!(sniff(&m4a(b"mp42", b"isommp42", &[b"soun"])), Ok(M4A));
        assert_eq!(sniff(&m4a(b"3gp4", b"M4A ", &[b"soun"])), Ok(M4A), "a compatible audio brand");
        assert_eq!(sniff(&wav(5)), Ok(WAV));
        assert_eq!(JPEG.mime, "image/jpeg");
        assert_eq!(WAV.ext, "wav");
    }

    #[test]
    fn mp4_with_video_or_without_sound_is_not_a_voice_note() {
        assert_eq!(sniff(&m4a(b"isom", b"isommp42", &[b"vide", b"soun"])), Err(MediaError::Unsupported));
        assert_eq!(sniff(&m4a(b"M4A ", b"", &[b"vide"])), Err(MediaError::Unsupported));
        assert_eq!(sniff(&m4a(b"mp42", b"isom", &[])), Err(MediaError::Unsupported));
        assert_eq!(sniff(&m4a(b"qt  ", b"qt  ", &[b"soun"])), Err(MediaError::Unsupported));
    }

    #[test]
    fn other_files_are_unsupported() {
        let mz = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n".to_vec();
        let text = "村里的路灯坏了，请尽快修理。".as_bytes().to_vec();
        let riff_avi = b"RIFF\x00\x01\x00\x00AVI LIST".to_vec();
        let id3_then_exe = [&mp3_frame_bytes()[..10], b"MZ\x90\x00".as_slice()].concat();
        for bytes in [elf_executable(), mz, pdf, text, riff_avi, id3_then_exe, Vec::new(), vec![0xFF]] {
            assert_eq!(sniff(&bytes), Err(MediaError::Unsupported), "{:?}", &bytes[..bytes.len().min(8)]);
            assert_eq!(check(&bytes, MediaKind::Image, LIMIT), Err(MediaError::Unsupported));
        }
    }

    #[test]
    fn check_refuses_the_other_kind() {
        assert_eq!(
            check(&png(4, 4), MediaKind::Voice, LIMIT),
            Err(MediaError::WrongKind { expected: MediaKind::Voice, found: MediaKind::Image })
        );
        assert_eq!(
            check(&wav(1), MediaKind::Image, LIMIT),
            Err(MediaError::WrongKind { expected: MediaKind::Image, found: MediaKind::Voice })
        );
        assert_eq!(check(&wav(1), MediaKind::Voice, LIMIT), Ok(WAV));
        assert_eq!(check(&png(4, 4), MediaKind::Image, LIMIT), Ok(PNG));
    }

    #[test]
    fn check_refuses_oversized_uploads_before_looking_at_them() {
        // Garbage that would be Unsupported, and a photo that would decode: the size decides first.
        let garbage = vec![0u8; 101];
        assert_eq!(check(&garbage, MediaKind::Image, 100), Err(MediaError::TooLarge { limit: 100 }));
        let photo = png(16, 16);
        let limit = photo.len() - 1;
        assert_eq!(check(&photo, MediaKind::Image, limit), Err(MediaError::TooLarge { limit }));
        assert_eq!(check(&photo, MediaKind::Image, photo.len()), Ok(PNG));
    }

    #[test]
    fn fixture_jpeg_carries_a_well_formed_exif_with_gps() {
        for orientation in 1..=8u16 {
            let jpeg = jpeg_with_gps(40, 20, orientation);
            assert!(has_exif(&jpeg));
            let mut decoder = ImageReader::with_format(Cursor::new(&jpeg), ImageFormat::Jpeg).into_decoder().unwrap();
            let exif = decoder.exif_metadata().unwrap().unwrap();
            assert!(exif.starts_with(b"II*\0"));
            assert_eq!(decoder.orientation().unwrap().to_exif(), u8::try_from(orientation).unwrap());
        }
    }

    #[test]
    fn orientation_6_is_applied_and_gps_is_gone() {
        let original = jpeg_with_gps(40, 20, 6);
        let clean = sanitize_image(&original, check(&original, MediaKind::Image, LIMIT).unwrap()).unwrap();
        assert_eq!(sniff(&clean), Ok(JPEG));
        assert!(!has_exif(&clean));
        let picture = image::load_from_memory_with_format(&clean, ImageFormat::Jpeg).unwrap();
        assert_eq!(picture.dimensions(), (20, 40));
        // Turned 90° clockwise, the left half (red) is now the top half.
        assert!(is_red(picture.get_pixel(10, 5)), "{:?}", picture.get_pixel(10, 5));
        assert!(is_red(picture.get_pixel(3, 15)));
        assert!(is_blue(picture.get_pixel(10, 34)), "{:?}", picture.get_pixel(10, 34));
        assert!(is_blue(picture.get_pixel(16, 25)));
    }

    #[test]
    fn every_orientation_comes_out_upright() {
        // Where the red half should be after each EXIF orientation, for a 40x20 picture.
        let expect = |orientation: u16| match orientation {
            1 | 4 => ((40, 20), (5, 10)),  // left
            2 | 3 => ((40, 20), (35, 10)), // right
            5 | 6 => ((20, 40), (10, 5)),  // top
            _ => ((20, 40), (10, 35)),     // bottom
        };
        for orientation in 1..=8u16 {
            let original = jpeg_with_gps(40, 20, orientation);
            let clean = sanitize_image(&original, JPEG).unwrap();
            let picture = image::load_from_memory(&clean).unwrap();
            let (dimensions, (x, y)) = expect(orientation);
            assert_eq!(picture.dimensions(), dimensions, "orientation {orientation}");
            assert!(is_red(picture.get_pixel(x, y)), "orientation {orientation}");
        }
    }

    #[test]
    fn orientation_1_keeps_the_shape() {
        let original = jpeg_with_gps(40, 20, 1);
        let clean = sanitize_image(&original, JPEG).unwrap();
        assert!(!has_exif(&clean));
        let picture = image::load_from_memory(&clean).unwrap();
        assert_eq!(picture.dimensions(), (40, 20));
        assert!(is_red(picture.get_pixel(5, 10)));
        assert!(is_blue(picture.get_pixel(35, 10)));
    }

    #[test]
    fn png_and_webp_stay_in_their_format() {
        let clean = sanitize_image(&png(30, 10), PNG).unwrap();
        assert_eq!(sniff(&clean), Ok(PNG));
        assert_eq!(image::load_from_memory(&clean).unwrap().dimensions(), (30, 10));

        let original = webp(30, 10);
        let clean = sanitize_image(&original, WEBP).unwrap();
        assert_eq!(sniff(&clean), Ok(WEBP));
        let (before, after) = (image::load_from_memory(&original).unwrap(), image::load_from_memory(&clean).unwrap());
        assert_eq!(before.to_rgba8(), after.to_rgba8(), "lossless");
    }

    #[test]
    fn png_exif_orientation_is_applied_and_dropped() {
        // A PNG with an eXIf chunk (orientation 6), inserted after IHDR.
        let original = png(40, 20);
        let exif = &crate::media::fixtures::tiff_with_gps(6)[..];
        let mut chunk = u32::try_from(exif.len()).unwrap().to_be_bytes().to_vec();
        chunk.extend(b"eXIf");
        chunk.extend(exif);
        let crc = crc32([b"eXIf".as_slice(), exif].concat().as_slice());
        chunk.extend(crc.to_be_bytes());
        let ihdr_end = 8 + 8 + 13 + 4;
        let mut tagged = original.clone();
        tagged.splice(ihdr_end..ihdr_end, chunk);
        assert!(has_exif(&tagged));

        let clean = sanitize_image(&tagged, PNG).unwrap();
        assert!(!has_exif(&clean));
        assert_eq!(image::load_from_memory(&clean).unwrap().dimensions(), (20, 40));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn truncated_or_disguised_images_are_corrupt() {
        let jpeg = jpeg_with_gps(40, 20, 6);
        assert_eq!(sanitize_image(&jpeg[..jpeg.len() / 2], JPEG), Err(MediaError::Corrupt));
        assert_eq!(sanitize_image(&jpeg[..300], JPEG), Err(MediaError::Corrupt));
        let png = png(40, 20);
        assert_eq!(sanitize_image(&png[..png.len() - 20], PNG), Err(MediaError::Corrupt));
        let disguised = [&[0xFF, 0xD8, 0xFF][..], &elf_executable()].concat();
        assert_eq!(
            sanitize_image(&disguised, check(&disguised, MediaKind::Image, LIMIT).unwrap()),
            Err(MediaError::Corrupt)
        );
        assert_eq!(
            sanitize_image(&wav(1), WAV),
            Err(MediaError::WrongKind { expected: MediaKind::Image, found: MediaKind::Voice })
        );
    }

    #[test]
    fn decompression_bombs_are_refused_from_their_headers() {
        // A PNG that claims to be 20000 x 20000 (the pixel data is never reached).
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(sanitize_image(&huge, PNG), Err(MediaError::TooLarge { .. })));

        // Within the side limit but over the memory cap: 11000 x 11000 RGB is 363 MB.
        let mut wide = png(1, 1);
        wide[16..20].copy_from_slice(&11_000u32.to_be_bytes());
        wide[20..24].copy_from_slice(&11_000u32.to_be_bytes());
        let crc = crc32(&wide[12..29]);
        wide[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(sanitize_image(&wide, PNG), Err(MediaError::TooLarge { .. })));
    }
}
