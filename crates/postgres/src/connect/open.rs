//! [`ConnInfo::connect`]: each server in turn, each with its sslmode's
//! fallback (prefer: without TLS after a failed handshake; allow: with TLS
//! after a refusal), until one takes the connection.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc::UnboundedSender;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{AsyncMessage, Client, NoTls, Notification, Socket};

use super::endpoint::{Endpoint, Host};
use super::failure::{self, Attempt, ConnectError};
use super::pgpass;
use super::settings::{ConnInfo, PasswordFrom};
use super::sslmode::SslMode;

impl ConnInfo {
    /// Connects to the first server that takes the connection, in the
    /// order given (shuffled with `load_balance_hosts=random`), and drives
    /// the connection on a task of the current runtime.
    ///
    /// # Errors
    ///
    /// [`ConnectError::Failed`], naming each server tried, its sslmode
    /// and what failed.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime.
    pub async fn connect(&self) -> Result<Client, ConnectError> {
        self.connect_with(None).await
    }

    /// As [`ConnInfo::connect`], handing each notification the server
    /// sends (`LISTEN`) to `notifications`; the sender is dropped when the
    /// connection ends.
    pub(crate) async fn connect_with(
        &self,
        notifications: Option<&UnboundedSender<Notification>>,
    ) -> Result<Client, ConnectError> {
        let mut order: Vec<&Endpoint> = self.endpoints.iter().collect();
        if self.random_order {
            use rand::seq::SliceRandom as _;
            order.shuffle(&mut rand::rng());
        }
        let mut attempts = Vec::new();
        for endpoint in order {
            match self.connect_to(endpoint, notifications).await {
                Ok(client) => return Ok(client),
                Err(attempt) => attempts.push(attempt),
            }
        }
        Err(ConnectError::Failed(attempts))
    }

    async fn connect_to(
        &self,
        endpoint: &Endpoint,
        notifications: Option<&UnboundedSender<Notification>>,
    ) -> Result<Client, Attempt> {
        let mut config = self.base.clone();
        config
            .user(&self.user)
            .dbname(&self.dbname)
            .port(endpoint.port);
        match &endpoint.host {
            Host::Tcp(name, addr) => {
                config.host(name);
                if let Some(addr) = addr {
                    config.hostaddr(*addr);
                }
            }
            Host::Addr(addr) => {
                // tokio-postgres checks certificates against `host`: the
                // address is the name here.
                config.host(addr.to_string()).hostaddr(*addr);
            }
            Host::Unix(dir) => {
                config.host_path(dir);
            }
        }
        let (password, passfile_skipped) = self.password_for(endpoint);
        if let Some((password, _)) = &password {
            config.password(password);
        }
        let unix = matches!(endpoint.host, Host::Unix(_));
        // libpq ignores sslmode on a Unix-domain socket, which has no TLS.
        let sslmode = if unix { SslMode::Disable } else { self.sslmode };
        let cx = failure::Context {
            endpoint,
            sslmode,
            user: &self.user,
            password: password.as_ref().map(|(_, from)| from),
            passfile_skipped: passfile_skipped.as_deref(),
            passfile: self.passfile.as_deref(),
        };
        let attempt = |reason: String| Attempt {
            server: endpoint.to_string(),
            sslmode: (!unix).then(|| self.sslmode.to_string()),
            reason,
        };
        let (first, fallback) = match sslmode {
            SslMode::Disable => (tokio_postgres::config::SslMode::Disable, None),
            // allow: without TLS first, with it if the server refuses that.
            SslMode::Allow => (
                tokio_postgres::config::SslMode::Disable,
                Some(tokio_postgres::config::SslMode::Require),
            ),
            // prefer: TLS if the server has it; without, if the handshake
            // fails (as libpq).
            SslMode::Prefer => (
                tokio_postgres::config::SslMode::Prefer,
                Some(tokio_postgres::config::SslMode::Disable),
            ),
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                (tokio_postgres::config::SslMode::Require, None)
            }
        };
        config.ssl_mode(first);
        let e = match self.open(&config, notifications).await {
            Ok(client) => return Ok(client),
            Err(e) => e,
        };
        let retry = match (sslmode, fallback) {
            (SslMode::Allow, Some(mode)) if failure::is_refused_by_server(&e) => Some(mode),
            (SslMode::Prefer, Some(mode)) if failure::is_handshake(&e) => Some(mode),
            _ => None,
        };
        let Some(mode) = retry else {
            return Err(attempt(failure::reason(&e, &cx)));
        };
        config.ssl_mode(mode);
        match self.open(&config, notifications).await {
            Ok(client) => Ok(client),
            Err(again) => {
                let (with, without) = match sslmode {
                    SslMode::Allow => (&again, &e),
                    _ => (&e, &again),
                };
                let mut cx_plain = cx;
                let with_reason = failure::reason(with, &cx_plain);
                cx_plain.sslmode = SslMode::Disable;
                Err(attempt(format!(
                    "{with_reason}; and without TLS: {}",
                    failure::reason(without, &cx_plain)
                )))
            }
        }
    }

    /// Connects with `config`, through TLS unless it says disable.
    async fn open(
        &self,
        config: &tokio_postgres::Config,
        notifications: Option<&UnboundedSender<Notification>>,
    ) -> Result<Client, tokio_postgres::Error> {
        let notifications = notifications.cloned();
        match (&self.tls, config.get_ssl_mode()) {
            (Some(tls), mode) if mode != tokio_postgres::config::SslMode::Disable => {
                drive(config, tls.clone(), notifications).await
            }
            _ => drive(config, NoTls, notifications).await,
        }
    }

    /// The password for `endpoint`: the connection string's or
    /// PGPASSWORD, else the password file's line for it; and why the file
    /// was not read, if it was not.
    fn password_for(
        &self,
        endpoint: &Endpoint,
    ) -> (Option<(String, PasswordFrom)>, Option<String>) {
        if let Some(password) = &self.password {
            return (Some(password.clone()), None);
        }
        let Some(path) = &self.passfile else {
            return (None, None);
        };
        match pgpass::lookup(
            path,
            &endpoint.pgpass_host(),
            &endpoint.port.to_string(),
            &self.dbname,
            &self.user,
        ) {
            pgpass::Lookup::Found(password) => {
                (Some((password, PasswordFrom::File(path.clone()))), None)
            }
            pgpass::Lookup::NotFound => (None, None),
            pgpass::Lookup::Skipped(why) => {
                static WARNED: AtomicBool = AtomicBool::new(false);
                if !WARNED.swap(true, Ordering::Relaxed) {
                    tracing::warn!("{why}");
                }
                (None, Some(why))
            }
        }
    }
}

/// Connects and drives the connection on its own task, handing its
/// notifications to `notifications` (dropped otherwise, as tokio-postgres
/// drops them) and logging the server's notices.
async fn drive<T>(
    config: &tokio_postgres::Config,
    tls: T,
    notifications: Option<UnboundedSender<Notification>>,
) -> Result<Client, tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, mut connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                None => break,
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if let Some(tx) = &notifications {
                        let _ = tx.send(n);
                    }
                }
                Some(Ok(AsyncMessage::Notice(notice))) => {
                    tracing::info!("{}: {}", notice.severity(), notice.message());
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!("database connection ended: {e}");
                    break;
                }
            }
        }
    });
    Ok(client)
}
