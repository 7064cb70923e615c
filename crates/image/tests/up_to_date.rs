//! Up-to-date outputs are skipped, and only those: an output is up to date
//! when it was made from its input as the input is now (size and
//! modification time, recorded beside the outputs) with the same settings.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;

use common::{all_up_to_date, run, settings};
use image::{Rgb, RgbImage};
use image_jobs::Settings;

#[test]
fn up_to_date_outputs_are_skipped_until_settings_or_input_change() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    RgbImage::from_pixel(100, 100, Rgb([1, 2, 3]))
        .save(input.path().join("a.png"))
        .unwrap();
    let (i, o) = (input.path(), output.path());
    assert!(!all_up_to_date(i, o, settings("50x50"), false));
    let first = run(i, o, settings("50x50"), false);
    assert_eq!(first[0].1.as_ref().unwrap().written, 1);
    assert!(all_up_to_date(i, o, settings("50x50"), false));
    assert!(
        !all_up_to_date(i, o, settings("50x50"), true),
        "--force redoes them"
    );
    // Other settings: the output is redone.
    let other = Settings {
        filter: image_jobs::Filter::Mitchell,
        ..settings("50x50")
    };
    assert!(!all_up_to_date(i, o, other.clone(), false));
    run(i, o, other.clone(), false);
    assert!(all_up_to_date(i, o, other.clone(), false));
    // A newer input: redone.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    fs::File::options()
        .append(true)
        .open(input.path().join("a.png"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert!(!all_up_to_date(i, o, other, false));
}

#[test]
fn an_input_replaced_by_one_with_an_older_time_is_redone() {
    // What `cp -p`, `rsync -a` and unzip do: the new photo keeps its own,
    // older, modification time.
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let (i, o) = (input.path(), output.path());
    let photo = i.join("photo.png");
    RgbImage::from_pixel(100, 100, Rgb([250, 0, 0]))
        .save(&photo)
        .unwrap();
    run(i, o, settings("50x50"), false)[0].1.as_ref().unwrap();
    assert!(all_up_to_date(i, o, settings("50x50"), false));
    let made = fs::metadata(o.join("photo.png"))
        .unwrap()
        .modified()
        .unwrap();

    let replacement = i.join("new.png");
    RgbImage::from_pixel(100, 100, Rgb([0, 0, 250]))
        .save(&replacement)
        .unwrap();
    let older = made - std::time::Duration::from_secs(3600);
    fs::File::options()
        .append(true)
        .open(&replacement)
        .unwrap()
        .set_modified(older)
        .unwrap();
    fs::rename(&replacement, &photo).unwrap();
    assert!(fs::metadata(&photo).unwrap().modified().unwrap() < made);

    assert!(
        !all_up_to_date(i, o, settings("50x50"), false),
        "a replaced input older than its output is not up to date"
    );
    let again = run(i, o, settings("50x50"), false);
    assert_eq!(again[0].1.as_ref().unwrap().written, 1);
    let out = image::open(o.join("photo.png")).unwrap().to_rgb8();
    assert_eq!(
        out.get_pixel(25, 25).0,
        [0, 0, 250],
        "the new photo's output"
    );
    assert!(all_up_to_date(i, o, settings("50x50"), false));
    // An output removed by hand is made again.
    fs::remove_file(o.join("photo.png")).unwrap();
    assert!(!all_up_to_date(i, o, settings("50x50"), false));
}
