//! The resizer with `s3://` locations against moto's S3 server: input and
//! output each in a bucket or a local folder, and bad locations refused
//! before any work with one line naming them.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use workpool_tests::{S3Server, command, samples_dir, temp_dir};

/// Runs the resizer with the S3 server's variables (or `env` alone).
fn resizer_with(env: &[(&str, String)], args: &[&str], cwd: &Path) -> std::process::Output {
    command("resizer")
        .args(args)
        .envs(env.iter().cloned())
        .current_dir(cwd)
        .output()
        .expect("resizer runs")
}

/// Every file under `dir` but the resizer's own records, by relative
/// path, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            if rel.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Asserts that no part of `line` between `: ` is said twice.
pub(crate) fn says_each_thing_once(line: &str) {
    let parts: Vec<&str> = line.split(": ").collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[..i].contains(part),
            "{part:?} said twice in {line:?}"
        );
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
#[ignore = "needs moto (python3 -m moto.server, .ci/deps/s3.sh)"]
fn inputs_and_outputs_in_buckets_or_folders_make_the_same_images() {
    let s3 = S3Server::start();
    let env = s3.env();
    let tmp = temp_dir();
    let samples = samples_dir().join("resizer");
    let staged = tmp.path().join("staged");
    fs::create_dir_all(staged.join("artwork")).unwrap();
    for name in [
        "Fossa_by_Jasper_Roks.jpg",
        "Wine_by_Jakkub_Mede.jpg",
        "artwork/badge.png",
    ] {
        fs::copy(samples.join(name), staged.join(name)).unwrap();
    }
    fs::write(staged.join("broken.jpg"), b"not a photo").unwrap();
    s3.upload("photos", &staged, "in");
    s3.upload("thumbs", &tmp.path().join("empty"), "none");
    let sizes = ["--size", "200x200", "--quiet"];
    let run = |input: &str, output: &str| {
        let mut args = vec![input, output];
        args.extend(sizes);
        args.extend(["--failures", "failed.tsv"]);
        resizer_with(&env, &args, tmp.path())
    };

    // A local run of the same files is the reference.
    let local_out = tmp.path().join("local");
    let local = run(staged.to_str().unwrap(), local_out.to_str().unwrap());
    assert_eq!(local.status.code(), Some(1), "{}", stderr(&local));
    let reference = files(&local_out);
    assert_eq!(reference.len(), 3, "{:?}", reference.keys());

    // An S3 input into a local folder: the broken image is named by its
    // key, in the message and in the failures file.
    let from_s3 = tmp.path().join("from-s3");
    let out = run("s3://photos/in", from_s3.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(files(&from_s3), reference);
    let said = stderr(&out);
    assert!(
        said.contains("resizer: s3://photos/in/broken.jpg: not a supported image"),
        "{said}"
    );
    assert!(!said.contains("staging"), "{said}");
    let failures = fs::read_to_string(tmp.path().join("failed.tsv")).unwrap();
    assert!(
        failures.starts_with("s3://photos/in/broken.jpg\t"),
        "{failures}"
    );

    // Into another bucket, and a local input into a bucket.
    let out = run("s3://photos/in", "s3://thumbs/web");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("resizer: s3://photos/in/broken.jpg: "),
        "{}",
        stderr(&out)
    );
    let fetched = tmp.path().join("fetched");
    s3.download("thumbs", "web", &fetched);
    assert_eq!(files(&fetched), reference);
    let out = run(staged.to_str().unwrap(), "s3://thumbs/from-disk");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let fetched = tmp.path().join("fetched-2");
    s3.download("thumbs", "from-disk", &fetched);
    assert_eq!(files(&fetched), reference);

    // Outputs under the input prefix are not taken for inputs the next
    // time: the same 4 items twice.
    for _ in 0..2 {
        let out = resizer_with(
            &env,
            &[
                "s3://photos/in",
                "s3://photos/in/thumbs",
                "--size",
                "100x100",
                "--json",
            ],
            tmp.path(),
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        assert_eq!(summary["total"], 4, "{summary}");
        assert_eq!(summary["written"], 3, "{summary}");
    }
}

#[test]
#[ignore = "needs moto (python3 -m moto.server, .ci/deps/s3.sh)"]
fn bad_s3_locations_are_refused_before_any_work_in_one_line() {
    let s3 = S3Server::start();
    let env = s3.env();
    let endpoint = &env[0].1;
    let tmp = temp_dir();
    let photos = tmp.path().join("photos");
    fs::create_dir_all(&photos).unwrap();
    image::RgbImage::new(20, 20)
        .save(photos.join("a.png"))
        .unwrap();
    s3.upload("photos", &photos, "in");
    let local_out = tmp.path().join("out");
    let out = local_out.to_str().unwrap();
    let cases = [
        (
            ["s3://nobucket/in", out],
            format!("input s3://nobucket/in: no such bucket at {endpoint} (AWS_ENDPOINT)"),
        ),
        (
            ["s3://photos/typo", out],
            "input s3://photos/typo: no objects under this prefix".to_owned(),
        ),
        (
            ["s3://photos/in", "s3://nobucket/thumbs"],
            format!("output s3://nobucket/thumbs: no such bucket at {endpoint} (AWS_ENDPOINT)"),
        ),
        (
            ["s3://photos/in", "s3://photos/in"],
            "output folder s3://photos/in is the input folder: choose another one".to_owned(),
        ),
    ];
    for (locations, message) in cases {
        let mut args = locations.to_vec();
        args.extend(["--size", "10x10"]);
        let run = resizer_with(&env, &args, tmp.path());
        let said = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{locations:?}: {said}");
        assert_eq!(said, format!("resizer: {message}\n"), "{locations:?}");
        says_each_thing_once(said.trim_end());
        assert!(!local_out.exists(), "{locations:?} made the output folder");
    }
}

/// The variables of a server that is not there: port 1 refuses.
fn nowhere(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT", endpoint.to_owned()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
    ]
}

#[test]
fn an_empty_or_unreachable_endpoint_is_one_line_and_exit_2() {
    let tmp = temp_dir();
    let args = ["s3://photos/in", "out", "--size", "10x10"];
    let empty = resizer_with(&nowhere(""), &args, tmp.path());
    assert_eq!(empty.status.code(), Some(2));
    assert_eq!(
        stderr(&empty),
        "resizer: input s3://photos: AWS_ENDPOINT is set but empty: unset it to use AWS, \
         or set it to the server's URL (http://host:port)\n"
    );
    let refused = resizer_with(&nowhere("http://127.0.0.1:1"), &args, tmp.path());
    let said = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.starts_with(
            "resizer: input s3://photos/in: cannot reach the server at http://127.0.0.1:1 \
             (AWS_ENDPOINT): "
        ),
        "{said}"
    );
    says_each_thing_once(said.trim_end());
    assert!(!tmp.path().join("out").exists());
}
