//! End-to-end tests of the `resizer` binary on real images: the samples,
//! a folder with broken files, up-to-date skipping, exit codes and --json.
#![allow(clippy::unwrap_used)]

#[path = "resizer/s3.rs"]
mod s3;

use std::fs;
use std::path::Path;

use image::{GenericImageView, Rgb, RgbImage};
use workpool_tests::{command, samples_dir, temp_dir};

fn resizer(args: &[&str], cwd: &Path) -> std::process::Output {
    command("resizer")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("resizer runs")
}

fn json(out: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Runs the resizer on the samples into `out` with `args`; it must exit 0.
fn resize_samples(out: &Path, args: &[&str], cwd: &Path) -> std::process::Output {
    let samples = samples_dir().join("resizer");
    let mut all = vec![samples.to_str().unwrap(), out.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = resizer(&all, cwd);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    run
}

/// Checks that every sample JPEG's output `out/<stem><suffix>.jpg` has
/// `edge` as its long side and the sample's aspect ratio within
/// `tolerance`; returns how many samples were checked.
fn assert_sample_jpegs_fit(out: &Path, suffix: &str, edge: u32, tolerance: f64) -> usize {
    let mut seen = 0;
    for entry in fs::read_dir(samples_dir().join("resizer")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("jpg") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let (w, h) = image::open(&path).unwrap().dimensions();
        let (ow, oh) = image::open(out.join(format!("{stem}{suffix}.jpg")))
            .unwrap()
            .dimensions();
        assert_eq!(ow.max(oh), edge, "{stem}{suffix}");
        // Aspect ratio kept within rounding.
        let ratio = f64::from(w) / f64::from(h);
        assert!(
            (f64::from(ow) / f64::from(oh) - ratio).abs() < tolerance,
            "{stem}{suffix}"
        );
        seen += 1;
    }
    seen
}

#[test]
fn samples_resize_to_two_sizes_with_exit_0() {
    let tmp = temp_dir();
    let out = tmp.path().join("out");
    let args = ["--size", "800x800", "--size", "200x200", "--json"];
    let run = resize_samples(&out, &args, tmp.path());
    let summary = json(&run);
    assert_eq!(summary["tool"], "resizer");
    assert_eq!(summary["failed"], 0);
    let total = summary["total"].as_u64().unwrap();
    assert!(total >= 5, "{summary}");
    assert!(assert_sample_jpegs_fit(&out, "-800", 800, 0.02) >= 3);
    assert!(assert_sample_jpegs_fit(&out, "-200", 200, 0.02) >= 3);
    // The tree is mirrored: the PNG artwork keeps its folder and alpha.
    let badge = image::open(out.join("artwork/badge-200.png")).unwrap();
    assert!(badge.color().has_alpha());

    // A second run finds everything up to date.
    let again = resize_samples(&out, &args, tmp.path());
    let summary = json(&again);
    assert_eq!(summary["skipped"].as_u64(), Some(total), "{summary}");
    assert_eq!(summary["succeeded"], 0);
}

#[test]
fn broken_files_are_listed_and_the_run_goes_on_with_exit_1() {
    let tmp = temp_dir();
    let input = tmp.path().join("in");
    fs::create_dir_all(input.join("nested")).unwrap();
    RgbImage::from_pixel(300, 200, Rgb([10, 20, 30]))
        .save(input.join("nested/good.png"))
        .unwrap();
    RgbImage::from_pixel(300, 200, Rgb([10, 20, 30]))
        .save(input.join("good.jpg"))
        .unwrap();
    fs::write(input.join("empty.jpg"), b"").unwrap();
    let good = fs::read(input.join("good.jpg")).unwrap();
    fs::write(input.join("truncated.jpg"), &good[..good.len() / 2]).unwrap();
    fs::write(input.join("notes.txt"), b"not an image").unwrap();
    let out = tmp.path().join("out");
    let run = resizer(
        &[
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--size",
            "100x100",
            "--json",
            "--failures",
            "bad.tsv",
        ],
        tmp.path(),
    );
    assert_eq!(run.status.code(), Some(1));
    let summary = json(&run);
    assert_eq!(summary["failed"], 2, "{summary}");
    assert_eq!(summary["succeeded"], 2, "{summary}");
    assert_eq!(summary["failures_file"], "bad.tsv");
    let failures = fs::read_to_string(tmp.path().join("bad.tsv")).unwrap();
    assert_eq!(failures.lines().count(), 2, "{failures}");
    assert!(
        failures.contains("empty.jpg") && failures.contains("empty file"),
        "{failures}"
    );
    assert!(failures.contains("truncated.jpg"), "{failures}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("truncated.jpg"), "{stderr}");
    assert_eq!(
        image::open(out.join("nested/good.png"))
            .unwrap()
            .dimensions(),
        (100, 67)
    );
    assert_eq!(
        image::open(out.join("good.jpg")).unwrap().dimensions(),
        (100, 67)
    );

    // Fix one file and feed the failures file back: only the two listed
    // files are tried, the one still broken is listed again.
    fs::copy(input.join("good.jpg"), input.join("truncated.jpg")).unwrap();
    let again = |tmp: &Path| {
        resizer(
            &[
                input.to_str().unwrap(),
                out.to_str().unwrap(),
                "--size",
                "100x100",
                "--json",
                "--only",
                "bad.tsv",
                "--failures",
                "bad.tsv",
            ],
            tmp,
        )
    };
    let retry = again(tmp.path());
    assert_eq!(retry.status.code(), Some(1));
    let summary = json(&retry);
    assert_eq!(summary["total"], 2, "{summary}");
    assert_eq!(summary["succeeded"], 1, "{summary}");
    let failures = fs::read_to_string(tmp.path().join("bad.tsv")).unwrap();
    assert_eq!(failures.lines().count(), 1, "{failures}");
    assert!(failures.contains("empty.jpg"), "{failures}");
    assert!(out.join("truncated.jpg").exists());

    // Fix the last one: a clean run removes the stale failures file.
    fs::copy(input.join("good.jpg"), input.join("empty.jpg")).unwrap();
    let last = again(tmp.path());
    assert_eq!(last.status.code(), Some(0));
    let summary = json(&last);
    assert_eq!(summary["total"], 1, "{summary}");
    assert!(summary["failures_file"].is_null(), "{summary}");
    assert!(!tmp.path().join("bad.tsv").exists());
}

#[test]
fn bad_usage_exits_2_before_any_work() {
    let tmp = temp_dir();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    RgbImage::new(10, 10).save(input.join("a.png")).unwrap();
    let dir = input.to_str().unwrap();
    let bad_size = resizer(&[dir, "out", "--size", "800y"], tmp.path());
    assert_eq!(bad_size.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_size.stderr).contains("800y"));
    let same = resizer(&[dir, dir, "--size", "5x5"], tmp.path());
    assert_eq!(same.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&same.stderr),
        format!("resizer: output folder {dir} is the input folder: choose another one\n")
    );
    let missing = resizer(&["no-such-dir", "out", "--size", "5x5"], tmp.path());
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "resizer: input folder no-such-dir: does not exist\n"
    );
    // No run made anything: no output folder, nothing new in the input.
    assert!(!tmp.path().join("out").exists());
    assert_eq!(fs::read_dir(&input).unwrap().count(), 1);
}

/// The RIFF chunk names of a WebP file.
fn webp_chunks(path: &Path) -> Vec<String> {
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"RIFF", "{}", path.display());
    let mut names = Vec::new();
    let mut at = 12;
    while at + 8 <= bytes.len() {
        names.push(String::from_utf8_lossy(&bytes[at..at + 4]).into_owned());
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8 + size + size % 2;
    }
    names
}

#[test]
fn webp_is_lossy_unless_lossless_and_keeps_metadata_on_request() {
    use image::ImageEncoder;
    let tmp = temp_dir();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    // A photo-like gradient with an sRGB-tagged profile and EXIF saying
    // "turn 90 degrees clockwise" (orientation 6).
    let photo = RgbImage::from_fn(400, 300, |x, y| Rgb([(x / 2) as u8, (y / 2) as u8, 90]));
    let mut exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0".to_vec();
    exif.extend_from_slice(&[0; 4]);
    let mut jpeg = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95);
    encoder.set_exif_metadata(exif).unwrap();
    encoder
        .write_image(photo.as_raw(), 400, 300, image::ExtendedColorType::Rgb8)
        .unwrap();
    fs::write(input.join("photo.jpg"), &jpeg).unwrap();
    let dir = input.to_str().unwrap();

    let lossy = resizer(
        &[
            dir,
            "lossy",
            "--size",
            "200x200",
            "--format",
            "webp",
            "--keep-metadata",
        ],
        tmp.path(),
    );
    assert_eq!(
        lossy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lossy.stderr)
    );
    let lossless = resizer(
        &[
            dir,
            "lossless",
            "--size",
            "200x200",
            "--format",
            "webp",
            "--lossless",
        ],
        tmp.path(),
    );
    assert_eq!(
        lossless.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lossless.stderr)
    );

    let lossy_out = tmp.path().join("lossy/photo.webp");
    let lossless_out = tmp.path().join("lossless/photo.webp");
    assert_eq!(webp_chunks(&lossy_out), ["VP8X", "VP8 ", "EXIF"]);
    assert_eq!(webp_chunks(&lossless_out), ["VP8L"]);
    // Both upright (150x200) and close to each other.
    let a = image::open(&lossy_out).unwrap().to_rgb8();
    let b = image::open(&lossless_out).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), (150, 200));
    assert_eq!(b.dimensions(), (150, 200));
    let diff: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    assert!(diff / (a.as_raw().len() as u64) < 4, "mean diff too large");
    assert!(fs::metadata(&lossy_out).unwrap().len() < fs::metadata(&lossless_out).unwrap().len());
    // The kept EXIF says upright now.
    let riff = fs::read(&lossy_out).unwrap();
    let exif_at = riff.windows(4).position(|w| w == b"EXIF").unwrap() + 8;
    assert_eq!(&riff[exif_at..exif_at + 4], b"MM\0\x2a");
    assert_eq!(
        &riff[exif_at + 18..exif_at + 20],
        &[0, 1],
        "orientation value"
    );
}

#[test]
fn samples_make_thumbnails_decoded_at_an_eighth() {
    // Alone, a 100x100 box lets every sample JPEG decode at 1/8 of its
    // size (where the crop scaled to that size once overshot its edge by
    // a rounding error and the resampler refused it); the debug log says
    // which scale each image was decoded at.
    let tmp = temp_dir();
    let out = tmp.path().join("out");
    let samples = samples_dir().join("resizer");
    let run = command("resizer")
        .args([samples.to_str().unwrap(), out.to_str().unwrap()])
        .args(["--size", "100x100"])
        .env("RUST_LOG", "image_jobs=debug")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let mut jpegs = 0;
    for entry in fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("jpg") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!("{name}: ")) && l.contains(" decoded at "))
            .unwrap_or_else(|| panic!("no decode line for {name}:\n{stderr}"));
        assert!(line.contains("decoded at 1/8 "), "{line}");
        jpegs += 1;
    }
    assert!(jpegs >= 3, "{jpegs} sample JPEGs");
    assert_eq!(assert_sample_jpegs_fit(&out, "", 100, 0.03), jpegs);
}

#[test]
fn a_photo_replaced_by_an_older_file_is_redone() {
    // `cp -p` or `rsync -a` of another photo over one already resized: its
    // modification time is older than the output's.
    let tmp = temp_dir();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let photo = input.join("photo.jpg");
    RgbImage::from_pixel(400, 300, Rgb([250, 10, 10]))
        .save(&photo)
        .unwrap();
    let out = tmp.path().join("out");
    let args = [
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--size",
        "100x100",
        "--json",
    ];
    let first = resizer(&args, tmp.path());
    assert_eq!(json(&first)["written"], 1);
    let made = fs::metadata(out.join("photo.jpg"))
        .unwrap()
        .modified()
        .unwrap();

    let other = tmp.path().join("other.jpg");
    RgbImage::from_pixel(400, 300, Rgb([10, 10, 250]))
        .save(&other)
        .unwrap();
    fs::File::options()
        .append(true)
        .open(&other)
        .unwrap()
        .set_modified(made - std::time::Duration::from_secs(86_400))
        .unwrap();
    fs::copy(&other, &photo).unwrap();
    fs::File::options()
        .append(true)
        .open(&photo)
        .unwrap()
        .set_modified(made - std::time::Duration::from_secs(86_400))
        .unwrap();

    // The debug log says why it is redone, and then why it is skipped.
    let debug = |args: &[&str]| {
        command("resizer")
            .args(args)
            .env("RUST_LOG", "image_jobs=debug")
            .current_dir(tmp.path())
            .output()
            .unwrap()
    };
    let second = debug(&args);
    let log = String::from_utf8_lossy(&second.stderr);
    assert!(
        log.contains("photo.jpg: to do: the input changed: its outputs were made from "),
        "{log}"
    );
    let summary = json(&second);
    assert_eq!(summary["written"], 1, "{summary}");
    assert_eq!(summary["up_to_date"], 0, "{summary}");
    let pixel = image::open(out.join("photo.jpg"))
        .unwrap()
        .to_rgb8()
        .get_pixel(50, 37)
        .0;
    assert!(
        pixel[2] > 200 && pixel[0] < 60,
        "still the old photo: {pixel:?}"
    );
    // Nothing changed since: up to date.
    let third = debug(&args);
    assert_eq!(json(&third)["up_to_date"], 1);
    let log = String::from_utf8_lossy(&third.stderr);
    assert!(log.contains("photo.jpg: up to date: "), "{log}");
}

#[test]
fn the_same_size_twice_is_refused_naming_the_flag() {
    let tmp = temp_dir();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    RgbImage::new(10, 10).save(input.join("a.png")).unwrap();
    let out = tmp.path().join("out");
    let args = [
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--size",
        "800x600",
        "--size",
        "800x600",
    ];
    let run = resizer(&args, tmp.path());
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "resizer: --size 800x600 is given twice: give each size once\n"
    );
    assert!(!out.exists(), "nothing is made");
}

#[test]
fn a_crop_strategy_is_refused_without_cover_and_kept_in_the_settings_with_it() {
    let tmp = temp_dir();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    RgbImage::new(300, 100).save(input.join("a.png")).unwrap();
    let out = tmp.path().join("out");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let refused = resizer(
        &[i, o, "--size", "50x50", "--crop", "attention"],
        tmp.path(),
    );
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "resizer: --crop attention: only --fit cover crops; add --fit cover or leave --crop out\n"
    );
    assert!(!out.exists());
    let cover = ["--size", "50x50", "--fit", "cover", "--json"];
    let first = resizer(
        &[&[i, o][..], &cover[..], &["--crop", "entropy"]].concat(),
        tmp.path(),
    );
    assert_eq!(json(&first)["written"], 1);
    assert_eq!(
        image::open(out.join("a.png")).unwrap().dimensions(),
        (50, 50)
    );
    // Another strategy makes other outputs: not up to date.
    let second = resizer(
        &[&[i, o][..], &cover[..], &["--crop", "attention"]].concat(),
        tmp.path(),
    );
    assert_eq!(json(&second)["written"], 1);
}
