//! Uploads made for tests: this crate's and the end-to-end ones.
#![allow(clippy::expect_used)]

use image::{ImageEncoder, Rgb, RgbImage};

/// The GPS position written into [`jpeg_with_gps`]: 30°15'36" N, 120°9'0" E.
pub const GPS_LATITUDE: [(u32, u32); 3] = [(30, 1), (15, 1), (3600, 100)];
pub const GPS_LONGITUDE: [(u32, u32); 3] = [(120, 1), (9, 1), (0, 100)];

/// A `w` x `h` JPEG carrying an APP1 Exif segment with a GPS IFD (latitude and longitude)
/// and the given orientation tag (1..=8). The left half of the picture is red, the right
/// half blue, so a test can tell how it was turned.
///
/// # Panics
/// When the image crate cannot encode the picture (it always can).
pub fn jpeg_with_gps(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let picture = RgbImage::from_fn(w, h, |x, _| if x < w / 2 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .write_image(picture.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .expect("an RGB picture encodes as JPEG");

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff_with_gps(orientation));
    let length = u16::try_from(payload.len() + 2).expect("the Exif segment is small");
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(length.to_be_bytes());
    segment.extend(payload);
    // Right after SOI, where cameras put it.
    jpeg.splice(2..2, segment);
    jpeg
}

/// A little-endian TIFF structure: IFD0 with Orientation and a pointer to a GPS IFD with
/// the version, latitude and longitude.
pub(crate) fn tiff_with_gps(orientation: u16) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const BYTE: u16 = 1;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    const IFD0: u32 = 8;
    const IFD0_LEN: u32 = 2 + 2 * 12 + 4;
    const GPS_IFD: u32 = IFD0 + IFD0_LEN;
    const GPS_IFD_LEN: u32 = 2 + 5 * 12 + 4;
    const LATITUDE_AT: u32 = GPS_IFD + GPS_IFD_LEN;
    const LONGITUDE_AT: u32 = LATITUDE_AT + 3 * 8;

    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend(value);
    }

    let mut tiff = b"II*\0".to_vec();
    tiff.extend(IFD0.to_le_bytes());

    tiff.extend(2u16.to_le_bytes());
    let [o0, o1] = orientation.to_le_bytes();
    entry(&mut tiff, 0x0112, SHORT, 1, [o0, o1, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, GPS_IFD.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());

    tiff.extend(5u16.to_le_bytes());
    entry(&mut tiff, 0x0000, BYTE, 4, [2, 3, 0, 0]);
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, LATITUDE_AT.to_le_bytes());
    entry(&mut tiff, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut tiff, 0x0004, RATIONAL, 3, LONGITUDE_AT.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());

    for (numerator, denominator) in GPS_LATITUDE.into_iter().chain(GPS_LONGITUDE) {
        tiff.extend(numerator.to_le_bytes());
        tiff.extend(denominator.to_le_bytes());
    }
    debug_assert_eq!(tiff.len(), LONGITUDE_AT as usize + 3 * 8);
    tiff
}

/// A `w` x `h` PNG of a colour gradient.
///
/// # Panics
/// When the image crate cannot encode the picture (it always can).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(picture.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .expect("an RGB picture encodes as PNG");
    png
}

/// A valid PCM WAV (8 kHz, mono, 16-bit) of a quiet square wave lasting `seconds_tenths`
/// tenths of a second.
pub fn wav(seconds_tenths: u32) -> Vec<u8> {
    const RATE: u32 = 8_000;
    let samples = RATE / 10 * seconds_tenths;
    let data_len = samples * 2;
    let mut wav = b"RIFF".to_vec();
    wav.extend((36 + data_len).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(1u16.to_le_bytes()); // mono
    wav.extend(RATE.to_le_bytes());
    wav.extend((RATE * 2).to_le_bytes()); // bytes per second
    wav.extend(2u16.to_le_bytes()); // block align
    wav.extend(16u16.to_le_bytes()); // bits per sample
    wav.extend(b"data");
    wav.extend(data_len.to_le_bytes());
    for i in 0..samples {
        let sample: i16 = if (i / 10) % 2 == 0 { 2_000 } else { -2_000 };
        wav.extend(sample.to_le_bytes());
    }
    wav
}

/// An ID3v2.4 tag with a title, then two silent MPEG-1 layer III frames (128 kbit/s,
/// 44.1 kHz).
pub fn mp3_frame_bytes() -> Vec<u8> {
    let mut title = vec![3u8]; // UTF-8
    title.extend("村民语音".as_bytes());
    let mut frame = b"TIT2".to_vec();
    frame.extend(synchsafe(title.len()));
    frame.extend([0, 0]);
    frame.extend(title);

    let mut mp3 = b"ID3\x04\x00\x00".to_vec();
    mp3.extend(synchsafe(frame.len()));
    mp3.extend(frame);
    // 144 * 128000 / 44100 = 417 bytes per frame without padding.
    for _ in 0..2 {
        let mut audio = vec![0u8; 417];
        audio[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        mp3.extend(audio);
    }
    mp3
}

fn synchsafe(n: usize) -> [u8; 4] {
    [(n >> 21) as u8 & 0x7F, (n >> 14) as u8 & 0x7F, (n >> 7) as u8 & 0x7F, n as u8 & 0x7F]
}

/// The start of a 64-bit x86 Linux executable.
pub fn elf_executable() -> Vec<u8> {
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.resize(16, 0);
    elf.extend(2u16.to_le_bytes()); // ET_EXEC
    elf.extend(0x3Eu16.to_le_bytes()); // x86-64
    elf.extend(1u32.to_le_bytes());
    elf.resize(128, 0);
    elf
}

/// Whether `bytes` carry Exif anywhere: a JPEG `Exif\0\0` APP1 header, a PNG `eXIf` chunk,
/// a WebP `EXIF` chunk, or a GPS IFD pointer entry of either byte order.
pub fn has_exif(bytes: &[u8]) -> bool {
    const MARKS: [&[u8]; 5] = [
        b"Exif\0\0",
        b"eXIf",
        b"EXIF",
        // Tag 0x8825, type LONG, count 1.
        &[0x25, 0x88, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00],
        &[0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01],
    ];
    MARKS.iter().any(|mark| bytes.windows(mark.len()).any(|w| w == *mark))
}
