//! TLS to the server through rustls, checked as libpq's `sslmode` says:
//! nothing (`prefer`, `require`), the certificate's chain (`verify-ca`),
//! or its chain and host name (`verify-full`); SNI sent for a host name
//! (Neon routes by it); the server certificate's hash for SCRAM channel
//! binding.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use super::binding;

/// What of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing (`prefer` and `require` without a root certificate): the
    /// connection is encrypted, the server not authenticated.
    Nothing,
    /// That a trusted authority signed it (`verify-ca`).
    Chain,
    /// That, and that it names the host connected to (`verify-full`).
    ChainAndName,
}

/// The certificate authorities a server's certificate is checked against.
#[derive(Debug, Clone)]
pub(crate) struct Roots {
    store: Arc<RootCertStore>,
    /// Where they come from, for messages.
    source: String,
}

impl Roots {
    /// The certificates in the PEM file at `path`.
    pub(crate) fn from_file(path: &std::path::Path, option: &str) -> Result<Roots, String> {
        let shown = path.display();
        let bytes = std::fs::read(path).map_err(|e| format!("{option} \"{shown}\": {e}"))?;
        let mut store = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&bytes) {
            let cert = cert.map_err(|e| format!("{option} \"{shown}\": {e}"))?;
            store.add(cert).map_err(|e| {
                format!("{option} \"{shown}\": a certificate in it is unusable: {e}")
            })?;
        }
        if store.is_empty() {
            return Err(format!(
                "{option} \"{shown}\" holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)"
            ));
        }
        Ok(Roots {
            store: Arc::new(store),
            source: format!("{option} \"{shown}\""),
        })
    }

    /// The platform's trusted roots (the system's certificate store, or
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`), read once per process.
    pub(crate) fn platform() -> Result<Roots, String> {
        static PLATFORM: OnceLock<Result<Arc<RootCertStore>, String>> = OnceLock::new();
        let store = PLATFORM.get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut store = RootCertStore::empty();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                let why = found
                    .errors
                    .first()
                    .map_or_else(|| "none installed".to_owned(), ToString::to_string);
                return Err(format!(
                    "no trusted root certificates on this machine ({why}): install ca-certificates, or name your provider's CA bundle with sslrootcert"
                ));
            }
            Ok(Arc::new(store))
        });
        Ok(Roots {
            store: store.clone()?,
            source: "the platform's trusted roots".to_owned(),
        })
    }
}

/// The TLS connector handed to tokio-postgres: one configuration, a
/// handshake per connection.
#[derive(Clone)]
pub(crate) struct Tls {
    config: Arc<ClientConfig>,
    check: Check,
    roots: Option<String>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("check", &self.check)
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// A connector that checks `check` against `roots` (needed unless
    /// `check` is nothing), sending SNI if `sni`.
    pub(crate) fn new(check: Check, roots: Option<Roots>, sni: bool) -> Result<Tls, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = match (&roots, check) {
            (_, Check::Nothing) => None,
            (Some(roots), _) => Some(
                WebPkiServerVerifier::builder_with_provider(roots.store.clone(), provider.clone())
                    .build()
                    .map_err(|e| format!("{}: {e}", roots.source))?,
            ),
            (None, _) => return Err("no root certificates to check the server against".into()),
        };
        let verifier = Verifier {
            webpki,
            check_name: check == Check::ChainAndName,
            provider: provider.clone(),
        };
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        // What libpq 17 sends, and what a server expecting direct TLS
        // requires; older servers ignore it.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        config.enable_sni = sni;
        Ok(Tls {
            config: Arc::new(config),
            check,
            roots: roots.map(|r| r.source),
        })
    }
}

/// Checks the server's certificate as [`Check`] says, and the handshake's
/// signatures always (so that a server without a checked certificate still
/// proves it holds the key of the one it shows, which channel binding
/// relies on).
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.webpki else {
            return Ok(ServerCertVerified::assertion());
        };
        // webpki checks the chain before the name: a name error means the
        // chain is good, which is all verify-ca asks.
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            result => result,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Why a TLS handshake failed, in the words the connection error prints.
#[derive(Debug)]
pub(crate) struct TlsFailure(pub(crate) String);

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsFailure {}

impl<S> MakeTlsConnect<S> for Tls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Encrypted<S>;
    type TlsConnect = Handshake;
    type Error = TlsFailure;

    fn make_tls_connect(&mut self, host: &str) -> Result<Handshake, TlsFailure> {
        let name = match ServerName::try_from(host.to_owned()) {
            Ok(name) => name,
            Err(_) if self.check == Check::ChainAndName => {
                return Err(TlsFailure(format!(
                    "host \"{host}\" is not a host name or IP address a certificate can be checked against"
                )));
            }
            // Not checked: any name will do (and no SNI is sent for an
            // address).
            Err(_) => ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into()),
        };
        Ok(Handshake {
            config: self.config.clone(),
            name,
            host: host.to_owned(),
            roots: self.roots.clone(),
        })
    }
}

/// One TLS handshake to come.
#[derive(Debug)]
pub(crate) struct Handshake {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    host: String,
    roots: Option<String>,
}

impl<S> TlsConnect<S> for Handshake
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Encrypted<S>;
    type Error = TlsFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Encrypted<S>, TlsFailure>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await
                .map(Encrypted)
                .map_err(|e| TlsFailure(explain(&e, &self.host, self.roots.as_deref())))
        })
    }
}

/// What went wrong in a handshake, as libpq would say it.
fn explain(e: &io::Error, host: &str, roots: Option<&str>) -> String {
    let roots = roots.unwrap_or("the trusted roots");
    let Some(tls) = e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
        return match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
                "the server closed the connection during the TLS handshake".to_owned()
            }
            _ => format!("TLS handshake failed: {e}"),
        };
    };
    match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => format!(
                "server certificate not trusted: no certificate authority in {roots} signed it \
                 (give the CA that did with sslrootcert)"
            ),
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<String> = presented.iter().map(|n| presented_name(n)).collect();
                if names.is_empty() {
                    format!(
                        "server certificate names no host (no subjectAltName) to match host name \"{host}\""
                    )
                } else {
                    format!(
                        "server certificate for {} does not match host name \"{host}\"",
                        names.join(", ")
                    )
                }
            }
            CertificateError::NotValidForName => {
                format!("server certificate does not match host name \"{host}\"")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "server certificate has expired".to_owned()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "server certificate is not valid yet (is this machine's clock right?)".to_owned()
            }
            CertificateError::Revoked => "server certificate has been revoked".to_owned(),
            other => format!(
                "server certificate rejected: {}",
                rustls::Error::InvalidCertificate(other.clone())
            ),
        },
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused the TLS handshake (alert: {alert:?})")
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

/// `db.test` out of webpki's `DnsName("db.test")`, `10.0.0.1` out of
/// `IpAddress(10.0.0.1)`; anything else as it is.
fn presented_name(name: &str) -> String {
    if let Some(dns) = name
        .strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
    {
        return format!("\"{dns}\"");
    }
    if let Some(ip) = name
        .strip_prefix("IpAddress(")
        .and_then(|n| n.strip_suffix(')'))
    {
        return format!("\"{ip}\"");
    }
    name.to_owned()
}

/// A TLS session over `S`.
#[derive(Debug)]
pub(crate) struct Encrypted<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Encrypted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Encrypted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for Encrypted<S> {
    fn channel_binding(&self) -> ChannelBinding {
        self.0
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|certs| certs.first())
            .and_then(|cert| binding::tls_server_end_point(cert))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}
