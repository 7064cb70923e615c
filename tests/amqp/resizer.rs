//! `resizer publish` and `resizer consume`: the single-machine outputs.

use std::time::Duration;

use image::{Rgb, RgbImage};
use workpool_tests::{RabbitMq, Signal, files, temp_dir};

use super::broker::{Consumer, ready, run, send, take_all, wait_until};

#[test]
#[ignore = "needs rabbitmq-server (.ci/deps/rabbitmq.sh installs it)"]
fn two_consumers_make_the_single_machine_outputs_and_a_non_image_goes_dead() {
    let rabbit = RabbitMq::start();
    let dir = temp_dir();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("nested")).unwrap();
    for i in 0..6u32 {
        let photo = RgbImage::from_fn(300 + i * 40, 200 + i * 10, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, (i * 40) as u8])
        });
        let name = match i % 3 {
            0 => format!("p{i}.png"),
            1 => format!("nested/p{i}.jpg"),
            _ => format!("p{i}.jpg"),
        };
        photo.save(input.join(name)).unwrap();
    }
    std::fs::write(input.join("notes.txt"), "not a picture").unwrap();
    let (single, spread) = (dir.path().join("single"), dir.path().join("spread"));
    let sizes = ["--size", "120x120", "--size", "40x40"];
    let mut args = vec![input.to_str().unwrap(), single.to_str().unwrap(), "--quiet"];
    args.extend(sizes);
    run("resizer", &args);
    let url = rabbit.url();
    let mut args = vec![
        "publish",
        input.to_str().unwrap(),
        spread.to_str().unwrap(),
        "--amqp",
        &url,
        "--amqp-queue",
        "photos",
        "--quiet",
    ];
    args.extend(sizes);
    run("resizer", &args);
    assert_eq!(
        ready(&url, "photos").map(u64::from),
        Some(6),
        "one message per image"
    );
    send(&url, "photos", &[r#"{"image": "notes.txt"}"#]);
    let mut args = vec![
        input.to_str().unwrap(),
        spread.to_str().unwrap(),
        "--amqp",
        &url,
        "--amqp-queue",
        "photos",
        "--workers",
        "1",
        "--quiet",
    ];
    args.extend(sizes);
    let consumers: Vec<Consumer> = (0..2)
        .map(|i| Consumer::start("resizer", &args, dir.path(), &format!("c{i}")))
        .collect();
    let a = files(&single);
    wait_until(
        "every image and the dead letter",
        Duration::from_secs(120),
        || {
            spread.is_dir()
                && files(&spread).len() == a.len()
                && ready(&url, "photos.dead") == Some(1)
        },
    );
    let codes: Vec<Option<i32>> = consumers
        .into_iter()
        .map(|c| c.stop(Signal::TERM).status.code())
        .collect();
    // The consumer that dead-lettered the non-image exits 1, the other 0.
    assert!(
        codes.contains(&Some(1)) && codes.iter().all(|c| matches!(c, Some(0 | 1))),
        "{codes:?}"
    );
    assert_eq!(ready(&url, "photos"), Some(0), "nothing given back");
    let b = files(&spread);
    // Two outputs per image, beside the settings file and one record per
    // source (.resizer-sources/*.made, which say what each was made from).
    let images = a.keys().filter(|k| !k.starts_with('.')).count();
    assert_eq!((images, a.len()), (6 * 2, 6 * 2 + 1 + 6), "{:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
    let dead = take_all(&url, "photos.dead");
    assert_eq!(dead.len(), 1);
    let reason = &dead[0].headers["x-workpool-reason"];
    assert!(reason.contains("notes.txt: not an image"), "{reason}");
    assert_eq!(dead[0].body, r#"{"image": "notes.txt"}"#);
}
