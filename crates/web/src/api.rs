//! The JSON side: `/api/runs`, `/api/runs/{name}` (the objects `status
//! --json` prints), `/api/runs/{name}/jobs` (a page of dead or cancelled
//! jobs), the actions, `/metrics` and `/healthz`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pool_postgres::{QueueError, run};
use serde::Deserialize;
use serde_json::json;

use crate::actions::{self, Action, Done};
use crate::cache::{Key, Value};
use crate::jobs::{JobsQuery, Listed};
use crate::metrics;
use crate::runs::RunsView;
use crate::server::Page;

/// `body` as JSON.
pub fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `{"error": why}`.
pub fn error(status: StatusCode, why: &str) -> Response {
    json(status, &json!({ "error": why }))
}

/// The runs of a value of the cache.
pub fn runs_of(value: &Value) -> &RunsView {
    static EMPTY: RunsView = RunsView { runs: Vec::new() };
    match value {
        Value::Runs(runs) => runs,
        _ => &EMPTY,
    }
}

/// A database that cannot be read, as a status and a sentence.
pub fn unreadable(e: &QueueError) -> (StatusCode, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("the database cannot be read: {e}"),
    )
}

/// No run by that name.
pub fn no_run(name: &str) -> (StatusCode, String) {
    (
        StatusCode::NOT_FOUND,
        format!("no run named {name:?} in the database"),
    )
}

/// `GET /api/runs`: every run's status, newest first.
pub async fn runs(State(page): State<Arc<Page>>) -> Response {
    match page.cache.runs().await {
        Ok(value) => {
            let statuses: Vec<&serde_json::Value> =
                runs_of(&value).runs.iter().map(|r| &*r.status).collect();
            json(StatusCode::OK, &statuses)
        }
        Err(e) => failed(unreadable(&e)),
    }
}

/// `GET /api/runs/{name}`: its status.
pub async fn run(State(page): State<Arc<Page>>, Path(name): Path<String>) -> Response {
    match page.cache.runs().await {
        Ok(value) => match runs_of(&value).get(&name) {
            Some(run) => json(StatusCode::OK, &*run.status),
            None => failed(no_run(&name)),
        },
        Err(e) => failed(unreadable(&e)),
    }
}

/// The query of a jobs page: `state=dead|cancelled&q=TEXT&after=KEY`.
#[derive(Debug, Default, Deserialize)]
pub struct JobsParams {
    /// `dead` (the default) or `cancelled`.
    pub state: Option<String>,
    /// Text to find in the key or the last error.
    pub q: Option<String>,
    /// The last key of the page before.
    pub after: Option<String>,
}

impl JobsParams {
    /// The query for run `run`.
    ///
    /// # Errors
    ///
    /// A `state` that is neither `dead` nor `cancelled`.
    pub fn query(&self, run: i64) -> Result<JobsQuery, (StatusCode, String)> {
        let state = self.state.as_deref().unwrap_or("dead");
        let listed = Listed::parse(state).ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                format!("state={state:?}: the jobs listed are dead or cancelled"),
            )
        })?;
        Ok(JobsQuery {
            run,
            listed,
            text: self.q.as_deref().unwrap_or("").trim().to_owned(),
            after: self.after.clone().filter(|a| !a.is_empty()),
        })
    }
}

/// `GET /api/runs/{name}/jobs`: a page of its dead or cancelled jobs.
pub async fn jobs(
    State(page): State<Arc<Page>>,
    Path(name): Path<String>,
    Query(params): Query<JobsParams>,
) -> Response {
    let runs = match page.cache.runs().await {
        Ok(runs) => runs,
        Err(e) => return failed(unreadable(&e)),
    };
    let Some(run) = runs_of(&runs).get(&name) else {
        return failed(no_run(&name));
    };
    let query = match params.query(run.id) {
        Ok(query) => query,
        Err(e) => return failed(e),
    };
    match page.cache.get(Key::Jobs(query)).await {
        Ok(value) => match &*value {
            Value::Jobs(jobs) => {
                let mut body = serde_json::to_value(jobs).unwrap_or_default();
                body["run"] = json!(name);
                json(StatusCode::OK, &body)
            }
            _ => error(StatusCode::INTERNAL_SERVER_ERROR, "not a page of jobs"),
        },
        Err(e) => failed(unreadable(&e)),
    }
}

/// `POST /api/runs/{name}/{action}`.
pub async fn act(
    State(page): State<Arc<Page>>,
    Path((name, action)): Path<(String, String)>,
) -> Response {
    match perform(&page, &name, &action).await {
        Ok((action, done)) => {
            let mut body = json!({
                "run": name,
                "action": action.name(),
                "said": actions::said(action, &done),
            });
            match done {
                Done::Jobs(n) => body["jobs"] = json!(n),
                Done::State { changed, cancelled } => {
                    body["changed"] = json!(changed);
                    body["cancelled"] = json!(cancelled);
                }
            }
            json(StatusCode::OK, &body)
        }
        Err(e) => failed(e),
    }
}

/// Does action `action` (its name in the URL) to run `name`, and makes
/// the next reads fresh.
///
/// # Errors
///
/// A status and a sentence: no such action or run (404), one the engine
/// does not have yet (501), one it refuses (409), a database error (503).
pub async fn perform(
    page: &Page,
    name: &str,
    action: &str,
) -> Result<(Action, Done), (StatusCode, String)> {
    let action = Action::parse(action).ok_or_else(|| {
        (
            StatusCode::NOT_FOUND,
            format!("no action {action:?}: retry, pause, resume or cancel"),
        )
    })?;
    let runs = page.cache.runs().await.map_err(|e| unreadable(&e))?;
    let tool = runs_of(&runs)
        .get(name)
        .map(|r| r.tool.clone())
        .ok_or_else(|| no_run(name))?;
    let mut client = page.cache.db().own().await.map_err(|e| unreadable(&e))?;
    let info = match run::find(&client, &tool, Some(name)).await {
        Ok(info) => info,
        Err(QueueError::NoRun(_)) => return Err(no_run(name)),
        Err(e) => return Err(unreadable(&e)),
    };
    let done = actions::perform(action, &mut client, &info)
        .await
        .map_err(|e| {
            let code = if e.is_refusal() {
                StatusCode::CONFLICT
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (code, e.to_string())
        })?;
    tracing::info!("status page: {} on run {name}: {done:?}", action.name());
    page.cache.changed(name).await;
    Ok((action, done))
}

fn failed((status, why): (StatusCode, String)) -> Response {
    error(status, &why)
}

/// `GET /metrics`.
pub async fn metrics(State(page): State<Arc<Page>>) -> Response {
    match page.cache.runs().await {
        Ok(value) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
            metrics::encode(runs_of(&value), page.cache.reads()),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", unreadable(&e).1),
        )
            .into_response(),
    }
}

/// `GET /healthz`: `ok` when the database answers within 2 s, else 503
/// and why. Needs no token, reads no run.
pub async fn healthz(State(page): State<Arc<Page>>) -> Response {
    let check = async {
        let client = page.cache.db().client().await?;
        client.simple_query("SELECT 1").await?;
        Ok::<_, QueueError>(())
    };
    let text = |status: StatusCode, body: String| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response()
    };
    match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(())) => text(StatusCode::OK, "ok\n".to_owned()),
        Ok(Err(e)) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", unreadable(&e).1),
        ),
        Err(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database did not answer within 2 s\n".to_owned(),
        ),
    }
}
