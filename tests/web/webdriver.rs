//! Headless Chromium driven over the W3C WebDriver protocol: Debian's
//! `chromedriver` started on a free port, a session with a fresh profile,
//! and the few commands the tests use (open, find, read, type, click,
//! run a script, screenshot). JSON over HTTP, with the tests' own client:
//! no WebDriver crate (fantoccini's `webdriver` brings a second copy of
//! ICU and of `http` into the build).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use workpool_tests::http;

/// The key W3C gives an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session; chromedriver and the browser end with it.
pub struct Browser {
    driver: Child,
    addr: String,
    session: String,
    _profile: tempfile::TempDir,
}

/// An element of the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver and a headless Chromium `width` x `height`.
    ///
    /// # Panics
    ///
    /// When either is missing or does not start.
    pub fn start(width: u32, height: u32) -> Browser {
        let mut failure = String::new();
        // A port found free can be taken before chromedriver binds it.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut driver = Command::new("chromedriver")
                .args([
                    format!("--port={port}"),
                    "--allowed-ips=127.0.0.1".to_owned(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver runs (.ci/deps/web.sh installs it)");
            let addr = format!("127.0.0.1:{port}");
            let started = Instant::now();
            let ready = loop {
                if let Ok(r) = http::request(&addr, "GET", "/status", &[], b"")
                    && r.json()["value"]["ready"] == true
                {
                    break true;
                }
                if started.elapsed() > Duration::from_secs(20)
                    || driver.try_wait().ok().flatten().is_some()
                {
                    break false;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            if !ready {
                let _ = driver.kill();
                let _ = driver.wait();
                failure = format!("chromedriver on port {port} did not get ready");
                continue;
            }
            let profile = tempfile::tempdir().expect("a profile folder");
            let args = [
                "--headless".to_owned(),
                "--no-sandbox".to_owned(),
                "--disable-gpu".to_owned(),
                "--disable-quic".to_owned(),
                "--no-first-run".to_owned(),
                "--disable-background-networking".to_owned(),
                "--disable-component-update".to_owned(),
                "--disable-sync".to_owned(),
                "--disable-dev-shm-usage".to_owned(),
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ];
            let capabilities = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
            }}});
            let answer = call(&addr, "POST", "/session", Some(&capabilities));
            let session = answer["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no session: {answer}"))
                .to_owned();
            return Browser {
                driver,
                addr,
                session,
                _profile: profile,
            };
        }
        panic!("{failure}");
    }

    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        call(&self.addr, method, &path, body)
    }

    /// Opens `url`.
    pub fn open(&self, url: &str) {
        self.command("POST", "/url", Some(&json!({ "url": url })));
    }

    /// The page's address now.
    pub fn url(&self) -> String {
        self.command("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The elements matching CSS `selector`.
    pub fn find_all(&self, selector: &str) -> Vec<Element> {
        let found = self.command(
            "POST",
            "/elements",
            Some(&json!({"using": "css selector", "value": selector})),
        );
        found
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The text of each element matching `selector` (none: empty), read
    /// in one script so that a part swapped meanwhile cannot go stale
    /// between finding and reading.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let value = self.script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());",
            &[json!(selector)],
        );
        value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Clicks `element`.
    pub fn click(&self, element: &Element) {
        self.command(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(&json!({})),
        );
    }

    /// Types `text` into `element`.
    pub fn type_into(&self, element: &Element, text: &str) {
        self.command(
            "POST",
            &format!("/element/{}/value", element.0),
            Some(&json!({ "text": text })),
        );
    }

    /// Runs `script` (a function body) with `args`; its result.
    pub fn script(&self, script: &str, args: &[Value]) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Saves a PNG of the window to `path`.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let data = self.command("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("a screenshot"))
            .expect("base64");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot's folder");
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Waits until `done` holds (checked every 100 ms), at most `limit`.
    ///
    /// # Panics
    ///
    /// After `limit`, naming `what`.
    pub fn wait_for(&self, what: &str, limit: Duration, mut done: impl FnMut(&Browser) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(
                started.elapsed() < limit,
                "{what}: not within {limit:?} (at {})",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http::request(
            &self.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            &[],
            b"",
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// One WebDriver command; its `value`.
fn call(addr: &str, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(Value::to_string).unwrap_or_default();
    let headers = [("Content-Type", "application/json; charset=utf-8")];
    let answer = http::request(addr, method, path, &headers, body.as_bytes())
        .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
    let json = answer.json();
    assert!(
        answer.status == 200,
        "WebDriver {method} {path}: {} {}",
        answer.status,
        json["value"]
    );
    json["value"].clone()
}
