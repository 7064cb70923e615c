//! The PostgreSQL runs of every workpool tool in a browser: `TOOL status
//! --serve [ADDR]`.
//!
//! One page lists every run in the database, newest first (tool, when
//! enqueued, counts by state, progress, jobs per second, ETA); one page per
//! run adds a chart of the jobs finished per interval, its workers, and its
//! dead (or cancelled) jobs, filtered by text and a page at a time. Both
//! update themselves every 2 s. The same data is JSON (`/api/runs`, the
//! objects `TOOL status --json` prints) and Prometheus metrics
//! (`/metrics`); `/healthz` says whether the database answers.
//!
//! - **One snapshot for every viewer** ([`cache`]): a ticker reads what
//!   the open pages show once a second, whatever their number, and
//!   nothing when nobody looks.
//! - **Read-only unless asked** ([`access`]): actions need
//!   `--allow-actions` and a token (`WORKPOOL_WEB_TOKEN`) on every
//!   request that changes something, from the page's own origin; an
//!   address other than loopback needs the token for every request.
//! - **No secret shown**: the database's URL is shown without its
//!   password; the status never holds one.
//!
//! An app plugs it in with one call in its `main`:
//! `pool::cli::main::<MyApp>(&[pool_web::engine()])`, in place of
//! `pool_postgres::cli::engine()`: every verb of the engine stays as it is,
//! and `status` gains `--serve` and `--allow-actions`.
#![deny(missing_docs)]

pub mod access;
pub mod actions;
mod api;
pub mod cache;
pub mod chart;
mod cli;
mod db;
mod error;
mod format;
pub mod jobs;
pub mod metrics;
mod pages;
pub mod runs;
mod server;
mod views;

pub use cli::{DEFAULT_ADDR, ServeArgs, engine, serve};
pub use db::Db;
pub use error::WebError;
pub use server::{Page, router};
