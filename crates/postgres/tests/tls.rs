//! Connecting as libpq does, against a cluster set up as managed databases
//! are (TLS only, a certificate from a private CA, scram-sha-256
//! passwords): each sslmode, the root certificate or its absence, the host
//! name, the password from the environment or a password file, and the
//! one-line message when it cannot work.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use pool_postgres::{ConnInfo, ConnectError};
use workpool_tests::{Postgres, TLS_PASSWORD, openssl, temp_dir};

/// `conninfo` read with only `vars` as the environment (and a `HOME`
/// without `.pgpass` or `.postgresql/root.crt` unless the test puts them
/// there), so that nothing of the machine's leaks in.
fn info(conninfo: &str, home: &Path, vars: &[(&str, &str)]) -> ConnInfo {
    let home = home.display().to_string();
    ConnInfo::parse_with_env(conninfo, |name| {
        if name == "HOME" {
            return Some(home.clone());
        }
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

/// Whether the connection `client` is on uses TLS, as the server sees it.
async fn over_tls(client: &tokio_postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

async fn refused(info: &ConnInfo) -> String {
    match info.connect().await {
        Ok(_) => panic!("{} connected", info.redacted()),
        Err(e @ ConnectError::Failed(_)) => e.to_string(),
        Err(e) => panic!("not a connection failure: {e}"),
    }
}

/// A CA of its own, which signed nothing the server has.
fn other_ca(dir: &Path) -> String {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.crt",
            "-days",
            "2",
            "-subj",
            "/CN=another CA",
        ],
        dir,
    );
    dir.join("other.crt").display().to_string()
}

#[tokio::test]
#[ignore = "needs PostgreSQL (postgresql) and openssl"]
async fn each_sslmode_against_a_tls_only_server() {
    let db = Postgres::start_tls();
    let home = temp_dir();
    let ca = db.ca_file().display().to_string();
    let port = db.port();
    let pw = [("PGPASSWORD", TLS_PASSWORD)];

    // verify-full with the CA, under the certificate's name: connects, and
    // binds the login to the TLS session (SCRAM-SHA-256-PLUS, which
    // channel_binding=require insists on).
    let full = info(
        &db.tls_url(&format!(
            "sslmode=verify-full&sslrootcert={ca}&channel_binding=require"
        )),
        home.path(),
        &pw,
    );
    let client = full.connect().await.unwrap();
    assert!(over_tls(&client).await);

    // The same by address: the certificate names db.test only.
    let by_address = info(
        &format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"
        ),
        home.path(),
        &pw,
    );
    assert_eq!(
        refused(&by_address).await,
        format!(
            "cannot connect to the database at 127.0.0.1:{port} (sslmode=verify-full): \
             server certificate for \"db.test\" does not match host name \"127.0.0.1\""
        )
    );
    // verify-ca checks the chain only: the address is fine.
    let chain_only = info(
        &format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-ca&sslrootcert={ca}"
        ),
        home.path(),
        &pw,
    );
    assert!(over_tls(&chain_only.connect().await.unwrap()).await);

    // Without the CA: the platform's roots do not know it.
    let no_ca = info(&db.tls_url("sslmode=verify-full"), home.path(), &pw);
    assert_eq!(
        refused(&no_ca).await,
        format!(
            "cannot connect to the database at db.test:{port} (address 127.0.0.1) (sslmode=verify-full): \
             server certificate not trusted: no certificate authority in the platform's trusted roots \
             signed it (give the CA that did with sslrootcert)"
        )
    );
    // With another CA, from the environment.
    let other = other_ca(home.path());
    let wrong_ca = info(
        &db.tls_url("sslmode=verify-ca"),
        home.path(),
        &[("PGPASSWORD", TLS_PASSWORD), ("PGSSLROOTCERT", &other)],
    );
    assert_eq!(
        refused(&wrong_ca).await,
        format!(
            "cannot connect to the database at db.test:{port} (address 127.0.0.1) (sslmode=verify-ca): \
             server certificate not trusted: no certificate authority in PGSSLROOTCERT \"{other}\" \
             signed it (give the CA that did with sslrootcert)"
        )
    );
    // require with a root certificate checks the chain, as libpq does.
    let require_other = info(
        &db.tls_url(&format!("sslmode=require&sslrootcert={other}")),
        home.path(),
        &pw,
    );
    assert!(
        refused(&require_other)
            .await
            .contains("server certificate not trusted")
    );

    // require without a CA: encrypted, nothing checked.
    let require = info(&db.tls_url("sslmode=require"), home.path(), &pw);
    assert!(over_tls(&require.connect().await.unwrap()).await);
    // The default (prefer) takes TLS when the server has it.
    let prefer = info(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        home.path(),
        &pw,
    );
    assert!(over_tls(&prefer.connect().await.unwrap()).await);

    // allow tries without TLS first, and with it when the server refuses.
    let allow = info(&db.tls_url("sslmode=allow"), home.path(), &pw);
    assert!(over_tls(&allow.connect().await.unwrap()).await);

    // disable: the server refuses, and says why.
    let disable = info(&db.tls_url("sslmode=disable"), home.path(), &pw);
    assert_eq!(
        refused(&disable).await,
        format!(
            "cannot connect to the database at db.test:{port} (address 127.0.0.1) (sslmode=disable): \
             no pg_hba.conf entry for host \"127.0.0.1\", user \"postgres\", database \"postgres\", \
             no encryption (the server takes only TLS connections: leave sslmode out, or set it to \
             require or verify-full)"
        )
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (postgresql) and openssl"]
async fn passwords_from_the_environment_and_the_password_file() {
    let db = Postgres::start_tls();
    let home = temp_dir();
    let port = db.port();
    let url = db.tls_url("sslmode=require");

    // PGPASSWORD, right and wrong.
    let right = info(&url, home.path(), &[("PGPASSWORD", TLS_PASSWORD)]);
    assert!(over_tls(&right.connect().await.unwrap()).await);
    let wrong = info(&url, home.path(), &[("PGPASSWORD", "not-it")]);
    assert_eq!(
        refused(&wrong).await,
        format!(
            "cannot connect to the database at db.test:{port} (address 127.0.0.1) (sslmode=require): \
             password authentication failed for user \"postgres\" (the password came from PGPASSWORD)"
        )
    );

    // None at all.
    let pgpass = home.path().join(".pgpass");
    let none = info(&url, home.path(), &[]);
    assert_eq!(
        refused(&none).await,
        format!(
            "cannot connect to the database at db.test:{port} (address 127.0.0.1) (sslmode=require): \
             the server asks for a password for user \"postgres\" and none was given: set PGPASSWORD, \
             or add a line host:port:database:user:password to \"{}\" (mode 0600)",
            pgpass.display()
        )
    );

    // ~/.pgpass: a line for another port first, then ours, with the
    // password's ':' and '\' escaped.
    let escaped = TLS_PASSWORD.replace('\\', "\\\\").replace(':', "\\:");
    let write_pgpass = |path: &Path, password: &str, mode: u32| {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::write(
            path,
            format!(
                "# workpool test\ndb.test:1:*:postgres:other\ndb.test:{port}:postgres:postgres:{password}\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    write_pgpass(&pgpass, &escaped, 0o600);
    let from_file = info(&url, home.path(), &[]);
    assert!(over_tls(&from_file.connect().await.unwrap()).await);

    // PGPASSFILE elsewhere, with a wrong password.
    let elsewhere = home.path().join("elsewhere");
    write_pgpass(&elsewhere, "not-it", 0o600);
    let wrong_file = info(
        &url,
        home.path(),
        &[("PGPASSFILE", elsewhere.to_str().unwrap())],
    );
    assert_eq!(
        refused(&wrong_file).await,
        format!(
            "cannot connect to the database at db.test:{port} (address 127.0.0.1) (sslmode=require): \
             password authentication failed for user \"postgres\" (the password came from the \
             password file \"{}\")",
            elsewhere.display()
        )
    );

    // A file others can read is not read, as libpq.
    write_pgpass(&pgpass, &escaped, 0o644);
    let open_file = info(&url, home.path(), &[]);
    let message = refused(&open_file).await;
    assert!(
        message.ends_with(&format!(
            "(password file \"{}\" has group or world access; permissions should be u=rw (0600) or less, so it was not read)",
            pgpass.display()
        )),
        "{message}"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL (postgresql) and openssl"]
async fn a_server_without_tls_and_a_port_without_a_server() {
    let db = Postgres::start();
    let home = temp_dir();
    let port = db.port();
    let require = info(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require"),
        home.path(),
        &[],
    );
    assert_eq!(
        refused(&require).await,
        format!(
            "cannot connect to the database at 127.0.0.1:{port} (sslmode=require): \
             the server does not support TLS (its ssl setting is off), and sslmode=require requires it"
        )
    );
    // prefer goes on without TLS.
    let prefer = info(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        home.path(),
        &[],
    );
    assert!(!over_tls(&prefer.connect().await.unwrap()).await);

    // Nothing listens on a port just freed; both servers are tried, in
    // order, and both named.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nobody = info(
        &format!("postgres://postgres@127.0.0.1:{free},127.0.0.1:{port}/postgres?sslmode=require"),
        home.path(),
        &[],
    );
    assert_eq!(
        refused(&nobody).await,
        format!(
            "cannot connect to the database at 127.0.0.1:{free} (sslmode=require): connection refused \
             (is the server running on that host and accepting TCP/IP connections on that port?); \
             at 127.0.0.1:{port} (sslmode=require): the server does not support TLS (its ssl setting \
             is off), and sslmode=require requires it"
        )
    );
}
