//! STARTTLS against a real server (Debian's python3-aiosmtpd) whose
//! certificate comes from a CA made in the test with openssl: trusted with
//! `--ca-file`, refused (exit 2, nothing sent) without it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use workpool_tests::openssl;

use super::{Case, TEMPLATE, emails, stderr};

/// An SMTP server that requires STARTTLS and prints `MSG <rcpts>` per
/// message; it stops when its stdin closes.
const SERVER: &str = r#"
import ssl, sys
from aiosmtpd.controller import Controller
class Handler:
    async def handle_DATA(self, server, session, envelope):
        print("MSG", ",".join(envelope.rcpt_tos), "TLS" if session.ssl else "PLAIN", flush=True)
        return "250 OK"
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
c = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]), tls_context=ctx, require_starttls=True)
c.start()
print("READY", flush=True)
sys.stdin.read()
c.stop()
"#;

/// A CA, and a certificate for localhost / 127.0.0.1 signed by it.
fn certificates(dir: &Path) {
    let openssl = |args: &[&str], dir: &Path| drop(openssl(args, dir));
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=workpool test CA",
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
        dir,
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
        dir,
    );
}

struct Server {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &Path, port: u16) -> Server {
        let mut child = Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(SERVER)
            .arg(port.to_string())
            .arg(dir.join("server.pem"))
            .arg(dir.join("server.key"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("/usr/bin/python3 runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = lines
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("aiosmtpd started");
        assert_eq!(ready, "READY");
        Server { child, lines }
    }

    fn messages(&self) -> Vec<String> {
        self.lines
            .try_iter()
            .filter(|l| l.starts_with("MSG"))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs openssl and aiosmtpd (python3-aiosmtpd): .ci/deps/mailer.sh installs them"]
fn starttls_with_a_private_ca_succeeds_with_ca_file_and_stops_without() {
    let case = Case::new();
    certificates(case.dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server::start(case.dir.path(), port);
    case.csv(&emails(3, "user"));
    case.write("template.txt", TEMPLATE);
    let url = format!("smtp://localhost:{port}?tls=required");
    let send = |extra: &[&str]| {
        let mut args = vec!["rows.csv", "template.txt", "--send", "--smtp", &url];
        args.extend_from_slice(extra);
        case.mailer(&args).output().unwrap()
    };

    let out = send(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "mailer: cannot connect to the SMTP server localhost:{port} (--smtp): STARTTLS: the server's certificate is not from a trusted CA (a private CA's certificate can be given with --ca-file)\n"
        )
    );

    let out = send(&["--ca-file", "ca.pem"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut waited = 0;
    let mut got = server.messages();
    while got.len() < 3 && waited < 100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
        got.extend(server.messages());
    }
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|m| m.ends_with(" TLS")), "{got:?}");
}
