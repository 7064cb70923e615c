//! `reporter enqueue` on a real PostgreSQL: local paths are stored
//! absolute, so a worker started in another folder finds them; rows are
//! checked at enqueue, bad ones reported and written to the failures file
//! there.

use std::path::Path;
use std::process::Output;

use workpool_tests::{Postgres, command, samples_dir, temp_dir};

use super::{pdfs, stderr};

fn reporter_in(dir: &Path, args: &[&str]) -> Output {
    command("reporter")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// One worker, started in `dir`, until the run has no jobs left.
fn work_in(dir: &Path, db: &Postgres) -> Output {
    reporter_in(dir, &["work", "--db", &db.url(), "--quiet"])
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh)"]
fn a_worker_in_another_folder_finds_the_layout_logo_fonts_and_output() {
    let db = Postgres::start();
    let (here, elsewhere) = (temp_dir(), temp_dir());
    let h = here.path();
    let samples = samples_dir().join("reports");
    std::fs::create_dir_all(h.join("layouts/art")).unwrap();
    std::fs::copy(samples.join("items.csv"), h.join("items.csv")).unwrap();
    let layout = std::fs::read_to_string(samples.join("statement-logo.toml"))
        .unwrap()
        .replace("path = \"logo.png\"", "path = \"art/logo.png\"");
    std::fs::write(h.join("layouts/statement.toml"), layout).unwrap();
    std::fs::copy(samples.join("logo.png"), h.join("layouts/art/logo.png")).unwrap();
    let font = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/report/fonts/DejaVuSans.ttf");
    std::fs::copy(font, h.join("extra.ttf")).unwrap();
    let o = reporter_in(
        h,
        &[
            "enqueue",
            "items.csv",
            "--group-by",
            "account",
            "--layout",
            "layouts/statement.toml",
            "--font",
            "extra.ttf",
            "--out",
            "out",
            "--no-system-fonts",
            "--db",
            &db.url(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = db.query("SELECT plan FROM workpool.runs");
    let logo = h.join("layouts/art/logo.png");
    for stored in [h.join("out"), logo, h.join("extra.ttf")] {
        assert!(
            plan.contains(&format!("\"{}\"", stored.display())),
            "{} is not in the plan as an absolute path: {plan}",
            stored.display()
        );
    }
    let o = work_in(elsewhere.path(), &db);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(pdfs(&h.join("out")).len(), 4);
    assert!(
        std::fs::read_dir(elsewhere.path())
            .unwrap()
            .next()
            .is_none(),
        "the worker wrote into its own folder"
    );
}

#[test]
#[ignore = "needs PostgreSQL (.ci/deps/postgres.sh)"]
fn bad_rows_are_found_and_written_down_at_enqueue() {
    let db = Postgres::start();
    let dir = temp_dir();
    let d = dir.path();
    // Group B has a short row on line 6 (after a blank line), group C an
    // amount that is no number on line 7 (the others are numbers: the
    // default layout makes the column a number column).
    let mut csv = String::from(
        "account,item,amount\nA,tea,1.50\nB,milk,2\nA,cake,0.50\n\nB,bread\nC,eggs,lots\nC,jam,3\n",
    );
    csv.push_str(&"A,bun,1\n".repeat(6));
    std::fs::write(d.join("rows.csv"), csv).unwrap();
    let o = reporter_in(
        d,
        &[
            "enqueue",
            "rows.csv",
            "-g",
            "account",
            "-o",
            "out",
            "--no-system-fonts",
            "--db",
            &db.url(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("reporter: group \"B\": line 6: row has 2 fields, the header has 3\n"),
        "{err}"
    );
    assert!(
        err.contains("1 jobs added") && err.contains("2 invalid"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("out/failures.csv")).unwrap(),
        "group,file,reason\n\
         B,B.pdf,\"line 6: row has 2 fields, the header has 3\"\n\
         C,C.pdf,\"line 7: column \"\"amount\"\": \"\"lots\"\" is not a number\"\n"
    );
    assert_eq!(db.count("SELECT count(*) FROM workpool.jobs"), 1);
    let o = work_in(d, &db);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<_> = pdfs(&d.join("out"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["A.pdf"]);
}
