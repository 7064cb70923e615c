//! What the templates are given: a run as a card (counts, progress, rate,
//! ETA) and the parts of the run page, made from the status JSON.

use serde::Serialize;
use serde_json::Value;

use crate::actions::Action;
use crate::format::{duration, thousands};
use crate::runs::{RunEntry, count};

/// The counts a card shows, in order, with their words; each only when the
/// status has it (cancelled comes with the engine's `cancel`).
const COUNTS: &[(&str, &str)] = &[
    ("ready", "ready"),
    ("waiting", "waiting to retry"),
    ("running", "running"),
    ("done", "done"),
    ("dead", "dead"),
    ("cancelled", "cancelled"),
];

/// The parts of the progress bar, in order, as fractions of the jobs
/// enqueued.
const PARTS: &[&str] = &["done", "dead", "cancelled", "running"];

/// One count.
#[derive(Debug, Serialize)]
pub struct Count {
    /// The status field: `done`.
    pub key: &'static str,
    /// In words: `waiting to retry`.
    pub label: &'static str,
    /// The number.
    pub n: i64,
}

/// A run as the pages show it.
#[derive(Debug, Serialize)]
pub struct RunCard {
    /// Its name.
    pub name: String,
    /// Its page.
    pub url: String,
    /// Its tool.
    pub tool: String,
    /// `paused`, `cancelled`, `active`; none where the engine has no
    /// states.
    pub state: Option<String>,
    /// When it was enqueued (UTC).
    pub created: String,
    /// How long ago.
    pub age: String,
    /// Its counts.
    pub counts: Vec<Count>,
    /// The progress bar (SVG).
    pub bar: String,
    /// `62%`.
    pub pct: String,
    /// Jobs per second over the last minute.
    pub per_s: String,
    /// Time left at that rate, or why there is none.
    pub eta: String,
    /// Workers alive.
    pub alive: usize,
    /// Workers listed.
    pub workers: usize,
}

impl RunCard {
    /// The card of `run`.
    pub fn of(run: &RunEntry) -> RunCard {
        let status = &run.status;
        let enqueued = count(status, "enqueued");
        let left: i64 = ["ready", "waiting", "running"]
            .iter()
            .map(|f| count(status, f))
            .sum();
        let state = status["state"].as_str().map(str::to_owned);
        let workers = status["workers"].as_array();
        let eta = match (state.as_deref(), status["eta_s"].as_f64()) {
            _ if left == 0 => "nothing left".to_owned(),
            (Some("paused"), _) => "paused".to_owned(),
            (_, Some(s)) => duration(s),
            (_, None) => "-".to_owned(),
        };
        RunCard {
            name: run.name.clone(),
            url: run_url(&run.name),
            tool: run.tool.clone(),
            state,
            created: run.created.clone(),
            age: duration(run.age_s),
            counts: COUNTS
                .iter()
                .filter_map(|&(key, label)| status[key].as_i64().map(|n| Count { key, label, n }))
                .collect(),
            bar: bar(status),
            pct: percent(count(status, "done"), enqueued),
            per_s: format!("{:.1}", status["per_s"].as_f64().unwrap_or(0.0)),
            eta,
            alive: workers.map_or(0, |w| w.iter().filter(|w| w["state"] == "alive").count()),
            workers: workers.map_or(0, Vec::len),
        }
    }
}

/// The page of run `name`: `/runs/NAME`, its name percent-encoded.
pub fn run_url(name: &str) -> String {
    format!("/runs/{}", encode_segment(name))
}

/// `text` as one segment of a URL's path or a query value.
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "0%".to_owned();
    }
    let p = part as f64 / whole as f64 * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{:.0}%", p.floor())
    }
}

/// The progress bar: done, dead, cancelled and running jobs as parts of
/// those enqueued, an SVG that stretches to its container.
fn bar(status: &Value) -> String {
    let enqueued = count(status, "enqueued").max(1) as f64;
    let mut x = 0.0;
    let mut out = format!(
        r#"<svg class="progress" viewBox="0 0 100 4" preserveAspectRatio="none" role="img" aria-label="{} of {} done" xmlns="http://www.w3.org/2000/svg"><rect class="rest" x="0" y="0" width="100" height="4"/>"#,
        thousands(count(status, "done")),
        thousands(count(status, "enqueued"))
    );
    for part in PARTS {
        let w = (count(status, part) as f64 / enqueued * 100.0).clamp(0.0, 100.0 - x);
        if w > 0.0 {
            out.push_str(&format!(
                r#"<rect class="{part}" x="{x:.3}" y="0" width="{w:.3}" height="4"/>"#
            ));
            x += w;
        }
    }
    out.push_str("</svg>");
    out
}

/// A button of the run page.
#[derive(Debug, Serialize)]
pub struct Button {
    /// The action's name (its URL's last segment).
    pub name: &'static str,
    /// Its words.
    pub label: String,
    /// A question to confirm before, for what cannot be undone.
    pub confirm: Option<String>,
}

/// The buttons for `run` (none unless actions are allowed): only those the
/// engine offers, and only where they would change something.
pub fn buttons(run: &RunEntry, allowed: bool) -> Vec<Button> {
    if !allowed {
        return Vec::new();
    }
    let status = &run.status;
    let state = status["state"].as_str();
    let dead = count(status, "dead");
    let left: i64 = ["ready", "waiting", "running"]
        .iter()
        .map(|f| count(status, f))
        .sum();
    let mut out = Vec::new();
    let mut offer = |action: Action, label: String, confirm: Option<String>| {
        out.push(Button {
            name: action.name(),
            label,
            confirm,
        });
    };
    if dead > 0 && state != Some("cancelled") {
        let jobs = if dead == 1 { "job" } else { "jobs" };
        offer(
            Action::Retry,
            format!("Retry {} dead {jobs}", thousands(dead)),
            None,
        );
    }
    match state {
        Some("paused") => offer(Action::Resume, "Resume".to_owned(), None),
        Some("cancelled") | None => {}
        Some(_) if left > 0 => offer(Action::Pause, "Pause".to_owned(), None),
        Some(_) => {}
    }
    if state.is_some() && state != Some("cancelled") && left > 0 {
        offer(
            Action::Cancel,
            "Cancel".to_owned(),
            Some(format!(
                "Cancel run {}? Its jobs not started will never run; this cannot be undone.",
                run.name
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;

    fn entry(status: Value) -> RunEntry {
        RunEntry {
            id: 1,
            name: "mailer-1a/2 b".to_owned(),
            tool: "mailer".to_owned(),
            created: "2026-12-03 05:43:10".to_owned(),
            age_s: 75.0,
            status: Arc::new(status),
            read: Instant::now(),
        }
    }

    #[test]
    fn a_card_takes_every_count_the_status_has_and_only_those() {
        let today = serde_json::json!({
            "enqueued": 100, "ready": 20, "waiting": 5, "running": 10, "dead": 5, "done": 60,
            "per_s": 12.34, "eta_s": 3.0, "workers": [{"state": "alive"}, {"state": "dead"}]
        });
        let card = RunCard::of(&entry(today));
        let keys: Vec<&str> = card.counts.iter().map(|c| c.key).collect();
        assert_eq!(keys, ["ready", "waiting", "running", "done", "dead"]);
        assert_eq!(
            (card.pct.as_str(), card.per_s.as_str(), card.eta.as_str()),
            ("60%", "12.3", "3 s")
        );
        assert_eq!((card.alive, card.workers), (1, 2));
        assert_eq!(card.state, None);
        assert_eq!(card.url, "/runs/mailer-1a%2F2%20b");
        assert!(
            card.bar
                .contains(r#"<rect class="done" x="0.000" y="0" width="60.000""#),
            "{}",
            card.bar
        );
        assert!(
            card.bar
                .contains(r#"<rect class="dead" x="60.000" y="0" width="5.000""#),
            "{}",
            card.bar
        );
        assert!(
            card.bar
                .contains(r#"<rect class="running" x="65.000" y="0" width="10.000""#),
            "{}",
            card.bar
        );

        // What the engine adds shows up as it is.
        let later = serde_json::json!({
            "enqueued": 100, "ready": 20, "waiting": 0, "running": 0, "dead": 0, "done": 70,
            "cancelled": 10, "state": "paused", "per_s": 0.0, "eta_s": null, "workers": []
        });
        let card = RunCard::of(&entry(later));
        assert_eq!(
            card.counts.last().map(|c| (c.key, c.n)),
            Some(("cancelled", 10))
        );
        assert_eq!(card.state.as_deref(), Some("paused"));
        assert_eq!(card.eta, "paused");
    }

    #[test]
    fn buttons_only_with_actions_allowed_and_something_to_do() {
        let run = entry(serde_json::json!({"dead": 3, "ready": 1}));
        assert!(buttons(&run, false).is_empty());
        let names: Vec<&str> = buttons(&run, true).iter().map(|b| b.name).collect();
        assert_eq!(names, ["retry"]);
        assert_eq!(buttons(&run, true)[0].label, "Retry 3 dead jobs");
        let none_dead = entry(serde_json::json!({"dead": 0, "ready": 1}));
        assert!(buttons(&none_dead, true).is_empty());
    }

    #[test]
    fn pause_resume_and_cancel_are_offered_where_they_change_something() {
        let names = |status: Value| -> Vec<&'static str> {
            buttons(&entry(status), true)
                .iter()
                .map(|b| b.name)
                .collect()
        };
        let active = serde_json::json!({"state": "active", "dead": 1, "ready": 5});
        assert_eq!(names(active), ["retry", "pause", "cancel"]);
        let paused = serde_json::json!({"state": "paused", "dead": 0, "ready": 5});
        assert_eq!(names(paused), ["resume", "cancel"]);
        let finished = serde_json::json!({"state": "active", "dead": 0, "ready": 0});
        assert!(names(finished).is_empty());
        let cancelled = serde_json::json!({"state": "cancelled", "dead": 2, "ready": 0});
        assert!(names(cancelled).is_empty());
        let cancel = buttons(
            &entry(serde_json::json!({"state": "active", "ready": 1})),
            true,
        );
        assert!(cancel[1].confirm.is_some(), "cancel asks first");
    }
}
