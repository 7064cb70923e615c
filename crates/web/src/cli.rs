//! `TOOL status --serve [ADDR]`: the PostgreSQL engine's verbs, each as
//! the engine has it, with the status page on `status`.

use std::marker::PhantomData;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{ArgMatches, Args as _, Command, FromArgMatches as _};
use pool::cli::{App, Engine};
use pool_postgres::cli::{DbArgs, StatusArgs};

use crate::access::Access;
use crate::cache::Cache;
use crate::db::Db;
use crate::error::WebError;
use crate::server::{self, Page};

/// Where the page is served without an address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The flags `status` gains.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Serve every run in the database (of every tool) on ADDR instead of
    /// printing: a live page, JSON at /api/runs, Prometheus metrics at
    /// /metrics. Read-only; an address other than loopback needs a token
    /// in WORKPOOL_WEB_TOKEN, which then guards every request but /healthz
    /// [default ADDR: 127.0.0.1:8080]
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = DEFAULT_ADDR,
        value_parser = parse_addr,
        conflicts_with_all = ["run", "json"],
    )]
    pub serve: Option<SocketAddr>,
    /// Let the page retry dead jobs (and pause, resume or cancel runs
    /// where the engine can): needs a token in WORKPOOL_WEB_TOKEN, which
    /// every such request must carry, from the page's own origin
    #[arg(long, requires = "serve")]
    pub allow_actions: bool,
}

/// `--serve`'s value: `IP:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bad = || {
        format!(
            "{text:?} is not an address and port: give one like 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080"
        )
    };
    match text.rsplit_once(':') {
        Some((host, _)) if host.eq_ignore_ascii_case("localhost") => text
            .to_socket_addrs()
            .map_err(|_| bad())?
            .find(|a| a.ip().is_loopback())
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// The PostgreSQL engine's verbs for app `A`, with `status --serve`: what
/// an app hands to `pool::cli::main` instead of
/// `pool_postgres::cli::engine()`.
pub fn engine<A: App>() -> Engine<A> {
    let postgres = pool_postgres::cli::engine::<A>();
    Engine {
        title: postgres.title,
        verbs: postgres.verbs,
        command: command::<A>,
        run: run::<A>,
        app: PhantomData,
    }
}

fn command<A: App>(verb: &'static str) -> Command {
    let command = (pool_postgres::cli::engine::<A>().command)(verb);
    if verb == "status" {
        // The flags' doc comment would replace the verb's help line.
        let about = command.get_about().cloned();
        let long_about = command.get_long_about().cloned();
        let mut command = ServeArgs::augment_args(command)
            .about(None)
            .long_about(None);
        if let Some(about) = about {
            command = command.about(about);
        }
        if let Some(long_about) = long_about {
            command = command.long_about(long_about);
        }
        command
    } else {
        command
    }
}

fn run<A: App>(verb: &'static str, matches: ArgMatches) -> ExitCode {
    if verb == "status" {
        match (
            ServeArgs::from_arg_matches(&matches),
            StatusArgs::from_arg_matches(&matches),
        ) {
            (
                Ok(ServeArgs {
                    serve: Some(addr),
                    allow_actions,
                }),
                Ok(status),
            ) => {
                return pool::cli::run_main(
                    A::NAME,
                    Some(1),
                    serve(A::NAME, status.db, addr, allow_actions),
                );
            }
            (Ok(_), Ok(_)) => {}
            (Err(e), _) | (_, Err(e)) => e.exit(),
        }
    }
    (pool_postgres::cli::engine::<A>().run)(verb, matches)
}

/// `TOOL status --serve ADDR`: checks the access rules, connects, listens,
/// says where, and serves until Ctrl-C or SIGTERM.
///
/// # Errors
///
/// [`WebError::Usage`] for a combination the rules refuse (before
/// anything else), a database that cannot be reached, an address that
/// cannot be listened on.
pub async fn serve(
    tool: &str,
    db: DbArgs,
    addr: SocketAddr,
    allow_actions: bool,
) -> Result<ExitCode, WebError> {
    let access = Access::from_env(addr, allow_actions)?;
    let db = Db::open(&db).await?;
    let listener = server::listen(addr).await?;
    let local = listener.local_addr().unwrap_or(addr);
    eprintln!(
        "{tool}: the status page of every run in {} is at http://{local}/ ({}); Ctrl-C stops it",
        db.shown(),
        access.describe()
    );
    let page = Arc::new(Page {
        cache: Arc::new(Cache::new(db)),
        access,
        templates: crate::pages::templates(),
    });
    server::serve(listener, page).await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert_eq!(parse_addr("[::1]:8080").unwrap().to_string(), "[::1]:8080");
        assert!(parse_addr("localhost:8080").unwrap().ip().is_loopback());
        let err = parse_addr("8080").unwrap_err();
        assert!(err.contains("127.0.0.1:8080"), "{err}");
        assert!(parse_addr("db.example:80").is_err());
    }
}
