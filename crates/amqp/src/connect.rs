//! Where the broker is ([`AmqpArgs`]) and connecting to it ([`Broker`]):
//! `amqp://`, or `amqps://` over TLS (rustls) with the platform's roots
//! and `--amqp-ca-file` for a private CA.

use std::path::PathBuf;

use lapin::tcp::OwnedTLSConfig;
use lapin::{Connection, ConnectionProperties, DefaultConnectionBuilder};

use crate::error::AmqpError;
use crate::topology::Queues;

/// The broker and queue flags of `publish` and `consume`.
#[derive(Debug, Clone, clap::Args)]
pub struct AmqpArgs {
    /// The RabbitMQ broker: amqp://user:password@host:5672/vhost, or
    /// amqps://... for TLS [env: AMQP_URL, or WORKPOOL_AMQP_URL]
    #[arg(long = "amqp", value_name = "URL")]
    pub amqp: Option<String>,
    /// The queue of items (declared if missing, with NAME.dead beside it)
    #[arg(long = "amqp-queue", value_name = "NAME", env = "WORKPOOL_AMQP_QUEUE")]
    pub amqp_queue: String,
    /// A private CA's certificate (PEM) to trust for an amqps:// broker,
    /// beside the platform's root certificates
    #[arg(
        long = "amqp-ca-file",
        value_name = "FILE",
        env = "WORKPOOL_AMQP_CA_FILE"
    )]
    pub amqp_ca_file: Option<PathBuf>,
}

/// A broker to connect to, checked.
#[derive(Clone)]
pub struct Broker {
    url: String,
    tls: Option<String>,
    /// The queues of `--amqp-queue`.
    pub queues: Queues,
    name: String,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("url", &redact(&self.url))
            .field("queues", &self.queues)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// The broker the flags name: `--amqp`, else `AMQP_URL`, else
    /// `WORKPOOL_AMQP_URL`; `name` is how connections show in RabbitMQ's
    /// lists (`mailer consume`).
    ///
    /// # Errors
    ///
    /// [`AmqpError::Usage`] when no URL is given, it is not `amqp://` or
    /// `amqps://`, the queue name is unusable, or the CA file cannot be
    /// read or holds no certificate.
    pub fn from_args(args: &AmqpArgs, name: &str) -> Result<Broker, AmqpError> {
        let from_env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let url = args
            .amqp
            .clone()
            .or_else(|| from_env("AMQP_URL"))
            .or_else(|| from_env("WORKPOOL_AMQP_URL"))
            .ok_or_else(|| {
                AmqpError::Usage(
                    "no broker: give --amqp amqp://host:5672 (or set AMQP_URL or WORKPOOL_AMQP_URL)"
                        .into(),
                )
            })?;
        let lower = url.to_ascii_lowercase();
        if !lower.starts_with("amqp://") && !lower.starts_with("amqps://") {
            return Err(AmqpError::Usage(format!(
                "--amqp {}: not an amqp:// or amqps:// URL",
                redact(&url)
            )));
        }
        url.parse::<lapin::uri::AMQPUri>()
            .map_err(|e| AmqpError::Usage(format!("--amqp {}: {e}", redact(&url))))?;
        let tls = match &args.amqp_ca_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path).map_err(|e| {
                    AmqpError::Usage(format!("--amqp-ca-file {}: {e}", path.display()))
                })?;
                if !pem.contains("-----BEGIN CERTIFICATE-----") {
                    return Err(AmqpError::Usage(format!(
                        "--amqp-ca-file {}: no PEM certificate in it",
                        path.display()
                    )));
                }
                Some(pem)
            }
            None => None,
        };
        Ok(Broker {
            url,
            tls,
            queues: Queues::new(&args.amqp_queue)?,
            name: name.to_owned(),
        })
    }

    /// The URL without its password, for messages.
    pub fn display(&self) -> String {
        redact(&self.url)
    }

    /// Opens a connection.
    ///
    /// # Errors
    ///
    /// [`AmqpError::Broker`]: the broker cannot be reached, refused the
    /// login or the virtual host, or its TLS certificate.
    pub async fn connect(&self) -> Result<Connection, AmqpError> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let properties = ConnectionProperties::default().with_connection_name(
            format!("{} on {host} (pid {})", self.name, std::process::id()).into(),
        );
        let mut builder = DefaultConnectionBuilder::new()
            .map_err(AmqpError::broker("cannot start the AMQP client"))?
            .with_uri_str(self.url.clone())
            .with_properties(properties);
        if let Some(pem) = &self.tls {
            builder = builder.with_tls_config(OwnedTLSConfig {
                identity: None,
                cert_chain: Some(pem.clone()),
            });
        }
        builder.connect().await.map_err(AmqpError::broker(format!(
            "cannot connect to {}",
            self.display()
        )))
    }
}

/// `url` with the password of its user part (if any) replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(name, _)| name);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: Option<&str>) -> AmqpArgs {
        AmqpArgs {
            amqp: url.map(str::to_owned),
            amqp_queue: "mail".into(),
            amqp_ca_file: None,
        }
    }

    #[test]
    fn a_password_never_shows() {
        assert_eq!(
            redact("amqp://app:s3cr:et@rabbit:5672/%2f"),
            "amqp://app:***@rabbit:5672/%2f"
        );
        assert_eq!(redact("amqp://rabbit/%2f"), "amqp://rabbit/%2f");
        let broker = Broker::from_args(&args(Some("amqps://u:pw@h:5671/v")), "t").expect("a URL");
        assert!(!format!("{broker:?}{}", broker.display()).contains("pw"));
    }

    #[test]
    fn a_url_that_is_not_amqp_is_refused() {
        let e = Broker::from_args(&args(Some("http://u:pw@h/")), "t").expect_err("http");
        assert_eq!(
            e.to_string(),
            "--amqp http://u:***@h/: not an amqp:// or amqps:// URL"
        );
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate")?;
        let mut with_ca = args(Some("amqps://h"));
        with_ca.amqp_ca_file = Some(path.clone());
        let e = Broker::from_args(&with_ca, "t").expect_err("no certificate");
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        Ok(())
    }
}
