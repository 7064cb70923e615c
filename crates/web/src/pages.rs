//! The HTML side: the runs, one run, the actions' forms, and the page's
//! own script and style (in the binary: no CDN, no build step).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::{Deserialize, Serialize};

use crate::actions::{self, Action, Done};
use crate::api::{self, JobsParams, no_run, runs_of, unreadable};
use crate::cache::{Key, Value};
use crate::format::{duration, thousands};
use crate::jobs::{Listed, PAGE};
use crate::server::Page;
use crate::views::{Button, RunCard, buttons, encode_segment, run_url};

const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/style.css");

/// The page's templates, with its filters (`thousands`, `duration`).
///
/// # Panics
///
/// When a template in the binary does not parse (a bug caught by every
/// test that renders a page).
pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("../templates/layout.html")),
        ("runs.html", include_str!("../templates/runs.html")),
        ("run.html", include_str!("../templates/run.html")),
        ("message.html", include_str!("../templates/message.html")),
    ] {
        #[allow(clippy::expect_used)]
        env.add_template(name, source)
            .expect("the templates in the binary parse");
    }
    env.add_filter("thousands", thousands);
    env.add_filter("duration", duration);
    env
}

/// `name` rendered with `context` inside the layout, as an answer.
fn render(
    page: &Page,
    status: StatusCode,
    title: &str,
    name: &str,
    context: impl Serialize,
) -> Response {
    let body = page
        .templates
        .get_template(name)
        .and_then(|t| t.render(context))
        .and_then(|content| {
            page.templates
                .get_template("layout.html")?
                .render(minijinja::context! {
                    title,
                    content,
                    db => page.cache.db().shown(),
                    mode => page.access.describe(),
                    version => asset_version(),
                })
        });
    match body {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("the page could not be drawn: {e}\n"),
        )
            .into_response(),
    }
}

/// A page that says one thing, with a link back.
fn message(page: &Page, (status, why): (StatusCode, String), back: &str) -> Response {
    render(
        page,
        status,
        "workpool",
        "message.html",
        minijinja::context! { why, back },
    )
}

/// `GET /`: every run, newest first.
pub async fn runs(State(page): State<Arc<Page>>) -> Response {
    match page.cache.runs().await {
        Ok(value) => {
            let cards: Vec<RunCard> = runs_of(&value).runs.iter().map(RunCard::of).collect();
            render(
                &page,
                StatusCode::OK,
                "Runs · workpool",
                "runs.html",
                minijinja::context! { runs => cards },
            )
        }
        Err(e) => {
            let (status, error) = unreadable(&e);
            render(
                &page,
                status,
                "Runs · workpool",
                "runs.html",
                minijinja::context! { error },
            )
        }
    }
}

/// The query of a run's page: its jobs' filter and page, and what an
/// action just did.
#[derive(Debug, Default, Deserialize)]
pub struct RunParams {
    /// `dead` or `cancelled`.
    pub state: Option<String>,
    /// Text to find in key or error.
    pub q: Option<String>,
    /// The last key of the page before.
    pub after: Option<String>,
    /// The action just done.
    pub did: Option<String>,
    /// Jobs it changed.
    pub n: Option<u64>,
    /// 1 when it changed nothing (the run was already so).
    pub same: Option<u8>,
}

/// A tab of the jobs listed.
#[derive(Debug, Serialize)]
struct Tab {
    name: &'static str,
    n: i64,
    url: String,
    current: bool,
}

/// `GET /runs/{name}`.
pub async fn run(
    State(page): State<Arc<Page>>,
    Path(name): Path<String>,
    Query(params): Query<RunParams>,
) -> Response {
    let runs = match page.cache.runs().await {
        Ok(runs) => runs,
        Err(e) => return message(&page, unreadable(&e), "/"),
    };
    let Some(run) = runs_of(&runs).get(&name) else {
        return message(&page, no_run(&name), "/");
    };
    let jobs_params = JobsParams {
        state: params.state.clone(),
        q: params.q.clone(),
        after: params.after.clone(),
    };
    let query = match jobs_params.query(run.id) {
        Ok(query) => query,
        Err(e) => return message(&page, e, &run_url(&name)),
    };
    let (chart, jobs) = tokio::join!(
        page.cache.get(Key::Chart(run.id)),
        page.cache.get(Key::Jobs(query.clone()))
    );
    let (chart, jobs) = match (chart, jobs) {
        (Ok(chart), Ok(jobs)) => (chart, jobs),
        (Err(e), _) | (_, Err(e)) => return message(&page, unreadable(&e), "/"),
    };
    let (Value::Chart(chart), Value::Jobs(jobs)) = (&*chart, &*jobs) else {
        return message(
            &page,
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "a value of the wrong kind".to_owned(),
            ),
            "/",
        );
    };
    let card = RunCard::of(run);
    let base = card.url.clone();
    let listed_url = |listed: Listed, q: &str, after: Option<&str>| {
        let mut url = format!("{base}?state={}", listed.as_str());
        if !q.is_empty() {
            url.push_str(&format!("&q={}", encode_segment(q)));
        }
        if let Some(after) = after {
            url.push_str(&format!("&after={}", encode_segment(after)));
        }
        url
    };
    let tabs: Vec<Tab> = [Listed::Dead, Listed::Cancelled]
        .into_iter()
        .filter_map(|listed| {
            let n = run.status[listed.as_str()].as_i64()?;
            Some(Tab {
                name: listed.as_str(),
                n,
                url: listed_url(listed, "", None),
                current: listed == query.listed,
            })
        })
        .collect();
    let buttons: Vec<Button> = buttons(run, page.access.allows_actions());
    render(
        &page,
        StatusCode::OK,
        &format!("{name} · workpool"),
        "run.html",
        minijinja::context! {
            run => card,
            buttons,
            said => said(&params),
            chart => chart.svg(),
            chart_top => chart.top(),
            chart_times => chart.times(),
            chart_step => duration(chart.step_s as f64),
            workers => run.status["workers"].clone(),
            tabs,
            listed => query.listed.as_str(),
            q => query.text.clone(),
            jobs,
            first_url => query.after.is_some().then(|| listed_url(query.listed, &query.text, None)),
            next_url => jobs.next_after.as_deref().map(|a| listed_url(query.listed, &query.text, Some(a))),
            page_size => PAGE,
        },
    )
}

/// What the action in `params` did, in a sentence.
fn said(params: &RunParams) -> Option<String> {
    let action = Action::parse(params.did.as_deref()?)?;
    let n = params.n.unwrap_or(0);
    let done = match action {
        Action::Retry => Done::Jobs(n),
        _ => Done::State {
            changed: params.same != Some(1),
            cancelled: n,
        },
    };
    Some(actions::said(action, &done))
}

/// `POST /runs/{name}/{action}` (a button's form): does it, then back to
/// the run's page, which says what it did.
pub async fn act(
    State(page): State<Arc<Page>>,
    Path((name, action)): Path<(String, String)>,
) -> Response {
    match api::perform(&page, &name, &action).await {
        Ok((action, done)) => {
            let (n, same) = match done {
                Done::Jobs(n) => (n, false),
                Done::State { changed, cancelled } => (cancelled, !changed),
            };
            let mut to = format!("{}?did={}&n={n}", run_url(&name), action.name());
            if same {
                to.push_str("&same=1");
            }
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        }
        Err(e) => message(&page, e, &run_url(&name)),
    }
}

/// Any other path.
pub async fn not_found(State(page): State<Arc<Page>>) -> Response {
    message(
        &page,
        (StatusCode::NOT_FOUND, "no such page".to_owned()),
        "/",
    )
}

/// A short hash of the script and the style, in their URLs: a browser
/// never keeps an old one after an upgrade.
fn asset_version() -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in SCRIPT.bytes().chain(STYLE.bytes()) {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

/// `GET /assets/app.js`.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /assets/style.css`.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, kind),
            // The URL carries the version: a new binary's assets are new
            // URLs.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
