//! The HTTP side: routes, the guard every request passes, and serving
//! until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::access::{Access, is_loopback_host, same_origin};
use crate::cache::Cache;
use crate::error::WebError;
use crate::{api, pages};

/// What every handler shares.
#[derive(Debug)]
pub struct Page {
    /// The snapshot.
    pub cache: Arc<Cache>,
    /// Who may do what.
    pub access: Access,
    /// The templates.
    pub templates: minijinja::Environment<'static>,
}

/// The page's routes over `page`.
pub fn router(page: Arc<Page>) -> Router {
    Router::new()
        .route("/", get(pages::runs))
        .route("/runs/{name}", get(pages::run))
        .route("/runs/{name}/{action}", post(pages::act))
        .route("/api/runs", get(api::runs))
        .route("/api/runs/{name}", get(api::run))
        .route("/api/runs/{name}/jobs", get(api::jobs))
        .route("/api/runs/{name}/{action}", post(api::act))
        .route("/metrics", get(api::metrics))
        .route("/healthz", get(api::healthz))
        .route("/assets/app.js", get(pages::script))
        .route("/assets/style.css", get(pages::style))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(page.clone(), guard))
        .with_state(page)
}

/// Serves `page` on `listener` until Ctrl-C or SIGTERM, with the cache's
/// ticker beside it.
///
/// # Errors
///
/// [`WebError::Serve`] when the server fails.
pub async fn serve(listener: TcpListener, page: Arc<Page>) -> Result<(), WebError> {
    let cache = page.cache.clone();
    let ticker = tokio::spawn(async move { cache.tick().await });
    let served = axum::serve(listener, router(page))
        .with_graceful_shutdown(stopped())
        .await;
    ticker.abort();
    served.map_err(WebError::Serve)
}

/// Binds `addr`.
///
/// # Errors
///
/// [`WebError::Listen`] naming the address.
pub async fn listen(addr: SocketAddr) -> Result<TcpListener, WebError> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| WebError::Listen { addr, error })
}

/// The first Ctrl-C or SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Every request: the token where one is set (all but `/healthz`), a
/// loopback `Host` where none is, and for a request that changes
/// something, `--allow-actions` and the same origin. Every answer gets the
/// headers that keep the page to itself.
async fn guard(State(page): State<Arc<Page>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let text = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let host = text(header::HOST.as_str());
    let refusal = if request.uri().path() == "/healthz" {
        None
    } else if page.access.has_token() {
        (!page.access.admits(
            headers
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes),
        ))
        .then(unauthorized)
    } else if host.is_some_and(|h| !is_loopback_host(h)) {
        Some(refused(
            StatusCode::MISDIRECTED_REQUEST,
            "without a token, this page answers only requests to localhost",
        ))
    } else {
        None
    };
    let refusal = refusal.or_else(|| {
        let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if safe {
            None
        } else if !page.access.allows_actions() {
            Some(refused(
                StatusCode::FORBIDDEN,
                "this page is read-only: start it with --allow-actions (and a token in WORKPOOL_WEB_TOKEN) to act on runs",
            ))
        } else if !same_origin(
            text("sec-fetch-site"),
            text(header::ORIGIN.as_str()),
            text(header::REFERER.as_str()),
            host,
        ) {
            Some(refused(
                StatusCode::FORBIDDEN,
                "refused: this request to change a run comes from another site",
            ))
        } else {
            None
        }
    });
    let mut response = match refusal {
        Some(response) => response,
        None => next.run(request).await,
    };
    secure(response.headers_mut());
    response
}

/// The headers every answer carries: its own scripts and styles only, no
/// framing, no sniffing, nothing kept by caches.
fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

/// 401 with the challenge a browser answers with its login prompt.
fn unauthorized() -> Response {
    let mut response = refused(
        StatusCode::UNAUTHORIZED,
        "this page needs the token of WORKPOOL_WEB_TOKEN: as a bearer token, or as the password of basic auth (any user name)",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Basic realm="workpool", charset="UTF-8""#),
    );
    response
}

/// A refusal in one line of text.
pub fn refused(status: StatusCode, why: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
        .into_response()
}
