//! The status page (`TOOL status --serve`) in a real browser: headless
//! Chromium over WebDriver, a throwaway PostgreSQL, a 3-worker resizer
//! run, and the page served by the resizer binary itself.
#![allow(clippy::unwrap_used)]

#[path = "web/webdriver.rs"]
mod webdriver;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use image::{Rgb, RgbImage};
use serde_json::Value;
use webdriver::Browser;
use workpool_tests::http::{self, request};
use workpool_tests::{Postgres, command, temp_dir};

/// A token long enough for the page.
const TOKEN: &str = "test-token-0123456789abcdef";

/// The broken files of every run, by their key, and a word found in the
/// error of each alone.
const BROKEN: [(&str, &str); 3] = [
    ("cut-short.jpg", "Premature"),
    ("notes-text.png", "signature"),
    ("tiny.gif", "Gif"),
];

/// A folder of `good` small PNGs and the [`BROKEN`] files, and where the
/// outputs go.
struct Images {
    dir: tempfile::TempDir,
}

impl Images {
    fn new(good: usize) -> Images {
        let dir = temp_dir();
        let input = dir.path().join("in");
        std::fs::create_dir_all(&input).unwrap();
        for i in 0..good {
            let image = RgbImage::from_fn(40, 30, |x, y| {
                Rgb([(x * 6) as u8, (y * 8) as u8, (i % 251) as u8])
            });
            image.save(input.join(format!("photo-{i:04}.png"))).unwrap();
        }
        let jpeg =
            std::fs::read(workpool_tests::samples_dir().join("resizer/Wine_by_Jakkub_Mede.jpg"))
                .unwrap();
        std::fs::write(input.join("cut-short.jpg"), &jpeg[..300]).unwrap();
        std::fs::write(input.join("notes-text.png"), "not a picture\n").unwrap();
        std::fs::write(input.join("tiny.gif"), "GIF89a").unwrap();
        Images { dir }
    }

    fn input(&self) -> PathBuf {
        self.dir.path().join("in")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `resizer enqueue` with `extra` flags; the run's name.
    fn enqueue(&self, db: &Postgres, extra: &[&str]) -> String {
        let (input, output, url) = (self.input(), self.output(), db.url());
        let mut args = vec![
            "enqueue",
            input.to_str().unwrap(),
            output.to_str().unwrap(),
            "--size",
            "16x16",
            "--retries",
            "0",
            "--db",
            &url,
        ];
        args.extend_from_slice(extra);
        let out = command("resizer").args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

/// `n` resizer workers on `db`, started in `images`' folder (where their
/// failures files go).
fn workers(db: &Postgres, images: &Images, n: usize) -> Vec<Child> {
    (0..n)
        .map(|_| {
            command("resizer")
                .current_dir(images.dir.path())
                .args(["work", "--db", &db.url(), "--quiet", "--json"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

/// Waits for every worker; a run with dead jobs ends with exit 1.
fn finish(workers: Vec<Child>) {
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "a worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `resizer status --serve 127.0.0.1:0` with `extra` flags and `token`;
/// stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(db: &Postgres, extra: &[&str], token: Option<&str>) -> Server {
        let mut cmd = command("resizer");
        cmd.args(["status", "--db", &db.url(), "--serve", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(token) = token {
            cmd.env("WORKPOOL_WEB_TOKEN", token);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        // Whatever it says later must not fill the pipe and stop it.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("page: {line}")
            }
        });
        Server { child, addr }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `resizer status --json --run NAME`.
fn status(db: &Postgres, run: &str) -> Value {
    let out = command("resizer")
        .args(["status", "--db", &db.url(), "--json", "--run", run])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A number as the page writes it (`1,234`).
fn number(text: &str) -> i64 {
    text.replace(',', "")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number"))
}

/// The target folder, where the screenshots go.
fn target_dir() -> PathBuf {
    // target/<profile>/deps/<test>-<hash>
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Every sample of `/metrics`, parsed as Prometheus text, by name and
/// labels.
fn metrics(server: &Server) -> BTreeMap<(String, BTreeMap<String, String>), f64> {
    let answer = http::get(&server.addr, "/metrics");
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(
        answer
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        answer.header("content-type")
    );
    let text = answer.text();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("/metrics is not Prometheus text ({e}):\n{text}"));
    assert!(!scrape.samples.is_empty(), "{text}");
    scrape
        .samples
        .into_iter()
        .map(|s| {
            let value = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                other => panic!("{} is a {other:?}", s.metric),
            };
            let labels: BTreeMap<String, String> = s
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            ((s.metric, labels), value)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
#[ignore = "needs chromium, chromium-driver and PostgreSQL (.ci/deps/ installs them)"]
fn a_live_run_on_the_page_its_dead_jobs_found_by_their_error_and_nothing_changed_without_a_token() {
    let db = Postgres::start();
    let images = Images::new(160);
    // 20 jobs a second over three workers: the run lasts about 8 s.
    let run = images.enqueue(&db, &["--rate", "20/s"]);
    let server = Server::start(&db, &[], None);
    let browser = Browser::start(1200, 1100);

    // The runs list shows the run before any worker starts.
    browser.open(&server.url("/"));
    let done_selector = format!("li.run[data-run=\"{run}\"] dd[data-count=\"done\"]");
    let done = |b: &Browser| b.texts(&done_selector).first().map(|t| number(t));
    assert_eq!(
        done(&browser),
        Some(0),
        "the run is listed, nothing done yet"
    );
    browser.script("window.samePage = true;", &[]);

    // Three workers; the done count rises on the page by itself, twice.
    let running = workers(&db, &images, 3);
    let mut seen = vec![0];
    browser.wait_for(
        "the done count rising twice",
        Duration::from_secs(60),
        |b| {
            if let Some(n) = done(b)
                && n > *seen.last().unwrap()
            {
                seen.push(n);
            }
            seen.len() >= 3
        },
    );
    assert_eq!(
        browser.script("return window.samePage === true;", &[]),
        Value::Bool(true),
        "the page was reloaded (seen {seen:?})"
    );
    finish(running);

    // The run page: every dead job with its error, the chart, the workers.
    let run_url = server.url(&format!("/runs/{run}"));
    browser.open(&run_url);
    let keys = |b: &Browser| b.texts("#jobs li.job .key");
    let all: Vec<String> = BROKEN.iter().map(|(k, _)| (*k).to_owned()).collect();
    browser.wait_for("the three dead jobs", Duration::from_secs(10), |b| {
        keys(b) == all
    });
    let errors = browser.texts("#jobs li.job .err");
    assert!(
        errors[0].contains("Premature end of JPEG file"),
        "{errors:?}"
    );
    assert_eq!(
        browser.texts("#workers tbody tr").len(),
        3,
        "three workers listed"
    );
    assert!(
        !browser.find_all("svg.chart rect.bar").is_empty(),
        "the chart has bars"
    );
    // The snapshot the page was drawn from may be up to a second old: the
    // last few done come with the next update.
    browser.wait_for("every good image done", Duration::from_secs(10), |b| {
        b.texts("#summary dd[data-count=\"done\"]") == ["160"]
    });
    let shot = target_dir().join("status-page").join("run.png");
    browser.screenshot(&shot);
    eprintln!("screenshot: {}", shot.display());

    // Read-only: no button, and a POST to the action is refused and
    // changes nothing.
    assert!(
        browser.find_all("button").iter().len() == 1,
        "only the filter's button"
    );
    assert!(browser.find_all("form[method=\"post\"]").is_empty());
    let refused = request(
        &server.addr,
        "POST",
        &format!("/runs/{run}/retry"),
        &[("Origin", &server.url(""))],
        b"",
    )
    .unwrap();
    assert_eq!(refused.status, 403, "{}", refused.text());
    let api_refused = request(
        &server.addr,
        "POST",
        &format!("/api/runs/{run}/retry"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(api_refused.status, 403, "{}", api_refused.text());
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 2"),
        3
    );

    // Filtering by a word of one error finds that job and hides the others,
    // without a reload.
    browser.script("window.samePage = true;", &[]);
    let filter = browser.find_all("#q").pop().expect("the filter");
    for (key, word) in BROKEN {
        browser.script("document.getElementById('q').value = '';", &[]);
        browser.type_into(&filter, word);
        browser.wait_for(
            &format!("{word} finding {key} alone"),
            Duration::from_secs(10),
            |b| keys(b) == [key],
        );
    }
    assert_eq!(
        browser.script("return window.samePage === true;", &[]),
        Value::Bool(true)
    );
    assert!(browser.url().contains("q=Gif"), "{}", browser.url());

    // The JSON and the metrics say what `status --json` says.
    let printed = status(&db, &run);
    let served = http::get(&server.addr, &format!("/api/runs/{run}")).json();
    let shape = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(shape(&served), shape(&printed));
    for field in [
        "enqueued",
        "ready",
        "waiting",
        "running",
        "dead",
        "done",
        "max_attempts",
    ] {
        assert_eq!(served[field], printed[field], "{field}");
    }
    assert_eq!(served["dead_jobs"], printed["dead_jobs"]);
    let listed = http::get(&server.addr, "/api/runs").json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["run"], printed["run"]);

    let metrics = metrics(&server);
    let of = |name: &str, pairs: &[(&str, &str)]| {
        let mut all = labels(&[("run", &run), ("tool", "resizer")]);
        all.extend(labels(pairs));
        *metrics
            .get(&(name.to_owned(), all))
            .unwrap_or_else(|| panic!("no {name} {pairs:?} in {metrics:?}"))
    };
    for state in ["ready", "waiting", "running", "dead"] {
        assert_eq!(
            of("workpool_jobs", &[("state", state)]),
            printed[state].as_f64().unwrap(),
            "{state}"
        );
    }
    assert_eq!(
        of("workpool_jobs_finished_total", &[]),
        printed["done"].as_f64().unwrap()
    );
    assert_eq!(
        of("workpool_jobs_enqueued_total", &[]),
        printed["enqueued"].as_f64().unwrap()
    );
    let workers_in = |state: &str| {
        printed["workers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["state"] == state)
            .count() as f64
    };
    for state in ["alive", "dead", "stopped"] {
        assert_eq!(
            of("workpool_workers", &[("state", state)]),
            workers_in(state),
            "{state}"
        );
    }
    assert_eq!(workers_in("stopped"), 3.0);
}

#[test]
#[ignore = "needs chromium, chromium-driver and PostgreSQL (.ci/deps/ installs them)"]
fn with_actions_and_the_token_clicking_retry_puts_the_dead_jobs_back_to_ready() {
    let db = Postgres::start();
    let images = Images::new(6);
    let run = images.enqueue(&db, &[]);
    finish(workers(&db, &images, 3));
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 2"),
        3
    );
    let server = Server::start(&db, &["--allow-actions"], Some(TOKEN));
    let retry = format!("/runs/{run}/retry");
    let bearer = format!("Bearer {TOKEN}");

    // The token guards every request but /healthz, reads included.
    let page = http::get(&server.addr, "/");
    assert_eq!(page.status, 401);
    assert!(
        page.header("www-authenticate")
            .unwrap_or("")
            .starts_with("Basic"),
        "{:?}",
        page.headers
    );
    assert_eq!(http::get(&server.addr, "/api/runs").status, 401);
    assert_eq!(http::get(&server.addr, "/metrics").status, 401);
    assert_eq!(http::get(&server.addr, "/healthz").status, 200);
    let read = request(
        &server.addr,
        "GET",
        "/api/runs",
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(read.status, 200, "{}", read.text());
    assert!(!read.text().contains(TOKEN));

    // A change without the token, with a wrong one, or from another site
    // is refused and changes nothing.
    let origin = server.url("");
    let wrong = "Bearer test-token-0123456789abcdeX".to_owned();
    for (headers, want) in [
        (vec![("Origin", origin.as_str())], 401),
        (
            vec![
                ("Authorization", wrong.as_str()),
                ("Origin", origin.as_str()),
            ],
            401,
        ),
        (
            vec![
                ("Authorization", bearer.as_str()),
                ("Origin", "http://evil.example"),
            ],
            403,
        ),
        (
            vec![
                ("Authorization", bearer.as_str()),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            403,
        ),
    ] {
        let answer = request(&server.addr, "POST", &retry, &headers, b"").unwrap();
        assert_eq!(answer.status, want, "{headers:?}: {}", answer.text());
    }
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 2"),
        3
    );

    // In the browser, with the token as basic auth's password: the button
    // puts the three dead jobs back to ready, and the page says so.
    let browser = Browser::start(1200, 1000);
    let with_login = format!("http://page:{TOKEN}@{}/runs/{run}", server.addr);
    browser.open(&with_login);
    browser.wait_for("the retry button", Duration::from_secs(10), |b| {
        b.texts("button.retry") == ["Retry 3 dead jobs"]
    });
    let button = browser.find_all("button.retry").pop().unwrap();
    browser.click(&button);
    browser.wait_for(
        "the page saying what it did",
        Duration::from_secs(10),
        |b| b.texts("#said") == ["3 dead jobs are ready again"],
    );
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 2"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 0 AND attempt = 0"),
        3
    );
    browser.wait_for("no dead job listed", Duration::from_secs(10), |b| {
        b.texts("#jobs li.job").is_empty() && b.find_all("button.retry").is_empty()
    });

    // The same through the API with a bearer token, as a script would.
    finish(workers(&db, &images, 1));
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 2"),
        3
    );
    let answer = request(
        &server.addr,
        "POST",
        &format!("/api/runs/{run}/retry"),
        &[("Authorization", &bearer)],
        b"",
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["jobs"], 3);
    assert_eq!(
        db.count("SELECT count(*) FROM workpool.jobs WHERE state = 0"),
        3
    );
}

/// The rules that keep a page to its owner, checked before anything is
/// served (no database needed: they come first).
#[test]
fn serve_refuses_the_network_without_a_token_and_actions_without_one() {
    let run = |args: &[&str], token: Option<&str>| {
        let mut cmd = command("resizer");
        cmd.args(["status", "--db", "postgres://nobody@127.0.0.1:1/none"])
            .args(args);
        if let Some(token) = token {
            cmd.env("WORKPOOL_WEB_TOKEN", token);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--serve", "0.0.0.0:0"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("opens the page to the network: set a token in WORKPOOL_WEB_TOKEN"),
        "{err}"
    );
    let (code, err) = run(&["--serve", "--allow-actions"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--allow-actions needs a token in WORKPOOL_WEB_TOKEN"),
        "{err}"
    );
    let (code, err) = run(
        &["--serve", "127.0.0.1:0", "--allow-actions"],
        Some("short"),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("at least 16"), "{err}");
    let (code, err) = run(&["--allow-actions"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--serve"), "{err}");
    let (code, err) = run(&["--serve", "--json"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    // Past the rules, the database is tried: these flags were accepted.
    let (code, err) = run(&["--serve", "0.0.0.0:0"], Some(TOKEN));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot connect to the database"), "{err}");
}
