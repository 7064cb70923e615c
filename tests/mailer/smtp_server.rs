//! A small but real SMTP server (RFC 5321 over TCP, on tokio) for the
//! mailer's end-to-end tests. It stores what it accepts and answers some
//! recipients badly, chosen by the address's local part:
//!
//! - `tempfail...`: `450` to the first RCPT of that address, then `250`;
//! - `drop...`: `421` to the first RCPT of that address, then it closes
//!   the connection;
//! - `reject...`: `550`, always.
//!
//! [`SmtpServer::refuse_after`] makes it refuse every message (`550` to
//! MAIL FROM, as a relay that has put the sender on a block list) once it
//! has accepted a number of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// MAIL FROM.
    pub from: String,
    /// RCPT TO, in order.
    pub to: Vec<String>,
    /// The message, dot-unstuffed, as text (invalid UTF-8 replaced).
    pub data: String,
    /// The message, dot-unstuffed, byte for byte as it arrived (its line
    /// endings as the client sent them).
    pub bytes: Vec<u8>,
    /// When the final dot arrived.
    pub at: std::time::Instant,
}

#[derive(Debug, Default)]
struct State {
    messages: Vec<Received>,
    rcpt_attempts: HashMap<String, u32>,
    connections: u32,
    refuse_after: Option<usize>,
    /// The user and OAuth2 token `AUTH XOAUTH2` accepts.
    oauth2: Option<(String, String)>,
    /// Users who logged in.
    logins: Vec<String>,
    /// Whether PIPELINING is left out of the EHLO reply.
    no_pipelining: bool,
    /// Whether a second EHLO in a session is refused.
    one_ehlo: bool,
    /// MAIL commands whose RCPT had arrived with them (pipelined).
    pipelined: usize,
}

/// A running server on 127.0.0.1; it lives until the test process ends.
#[derive(Debug, Clone)]
pub struct SmtpServer {
    /// The port it listens on.
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpServer {
    /// Starts a server that waits `delay` before answering each message's
    /// final dot (the message is stored before the wait).
    pub fn start(delay: Duration) -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    shared.lock().expect("state").connections += 1;
                    tokio::spawn(session(stream, Arc::clone(&shared), delay));
                }
            });
        });
        SmtpServer { port, state }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        self.state.lock().expect("state").messages.clone()
    }

    /// How many messages were accepted so far.
    pub fn count(&self) -> usize {
        self.state.lock().expect("state").messages.len()
    }

    /// How many times RCPT TO named `address`.
    pub fn rcpt_attempts(&self, address: &str) -> u32 {
        self.state
            .lock()
            .expect("state")
            .rcpt_attempts
            .get(address)
            .copied()
            .unwrap_or(0)
    }

    /// From now on, refuses every message once `count` are accepted
    /// (`None`: accepts again).
    pub fn refuse_after(&self, count: Option<usize>) {
        self.state.lock().expect("state").refuse_after = count;
    }

    /// Accepts `AUTH XOAUTH2` for `user` with access token `token` (and
    /// refuses any other with 535).
    pub fn accept_oauth2(&self, user: &str, token: &str) {
        self.state.lock().expect("state").oauth2 = Some((user.to_owned(), token.to_owned()));
    }

    /// The users who logged in, one entry per login.
    pub fn logins(&self) -> Vec<String> {
        self.state.lock().expect("state").logins.clone()
    }

    /// Leaves PIPELINING out of the EHLO reply from now on: the client
    /// must wait for each reply.
    pub fn no_pipelining(&self) {
        self.state.lock().expect("state").no_pipelining = true;
    }

    /// Refuses a second EHLO in a session (502) from now on, as an odd
    /// server might.
    pub fn one_ehlo(&self) {
        self.state.lock().expect("state").one_ehlo = true;
    }

    /// How many MAIL commands came with their RCPT already sent behind
    /// them (PIPELINING).
    pub fn pipelined(&self) -> usize {
        self.state.lock().expect("state").pipelined
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> u32 {
        self.state.lock().expect("state").connections
    }
}

/// Decodes base64; invalid input decodes to nothing (and is refused).
fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}

fn address(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg[start..].find('>').map_or(arg.len(), |i| start + i);
    arg[start..end].to_owned()
}

async fn session(
    stream: TcpStream,
    state: Arc<Mutex<State>>,
    delay: Duration,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 test.invalid ESMTP ready\r\n").await?;
    let mut from: Option<String> = None;
    let mut ehlos = 0;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" if ehlos > 0 && state.lock().expect("state").one_ehlo => {
                "502 5.5.1 one EHLO is enough\r\n".into()
            }
            "EHLO" => {
                ehlos += 1;
                let pipelining = if state.lock().expect("state").no_pipelining {
                    ""
                } else {
                    "250-PIPELINING\r\n"
                };
                format!(
                    "250-test.invalid\r\n{pipelining}250-8BITMIME\r\n250-SMTPUTF8\r\n250-AUTH XOAUTH2\r\n250 SIZE 10000000\r\n"
                )
            }
            "AUTH" => {
                let mut words = text.split(' ').skip(1);
                let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
                let initial = match words.next() {
                    Some(response) => response.to_owned(),
                    None => {
                        write.write_all(b"334 \r\n").await?;
                        line.clear();
                        reader.read_until(b'\n', &mut line).await?;
                        String::from_utf8_lossy(&line).trim().to_owned()
                    }
                };
                let decoded = String::from_utf8(base64_decode(&initial)).unwrap_or_default();
                let mut s = state.lock().expect("state");
                let expected = s
                    .oauth2
                    .as_ref()
                    .map(|(user, token)| format!("user={user}\x01auth=Bearer {token}\x01\x01"));
                if mechanism == "XOAUTH2" && expected.as_deref() == Some(decoded.as_str()) {
                    let user = s
                        .oauth2
                        .as_ref()
                        .map(|(u, _)| u.clone())
                        .unwrap_or_default();
                    s.logins.push(user);
                    "235 2.7.0 accepted\r\n".into()
                } else {
                    "535 5.7.8 invalid credentials\r\n".into()
                }
            }
            "HELO" => "250 test.invalid\r\n".into(),
            "NOOP" => "250 OK\r\n".into(),
            "RSET" => {
                from = None;
                to.clear();
                "250 OK\r\n".into()
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            "MAIL" => {
                let refused = {
                    let mut s = state.lock().expect("state");
                    if reader.buffer().starts_with(b"RCPT") {
                        s.pipelined += 1;
                    }
                    s.refuse_after.is_some_and(|k| s.messages.len() >= k)
                };
                if refused {
                    "550 5.7.1 sender blocked: too much spam\r\n".into()
                } else {
                    from = Some(address(text));
                    to.clear();
                    "250 OK\r\n".into()
                }
            }
            "RCPT" if from.is_none() => "503 MAIL first\r\n".into(),
            "RCPT" => {
                let rcpt = address(text);
                let attempt = {
                    let mut s = state.lock().expect("state");
                    let n = s.rcpt_attempts.entry(rcpt.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                if rcpt.starts_with("reject") {
                    "550 5.1.1 no such user\r\n".into()
                } else if rcpt.starts_with("tempfail") && attempt == 1 {
                    "450 4.2.0 mailbox busy, try later\r\n".into()
                } else if rcpt.starts_with("drop") && attempt == 1 {
                    write.write_all(b"421 4.3.2 shutting down\r\n").await?;
                    return Ok(());
                } else {
                    to.push(rcpt);
                    "250 OK\r\n".into()
                }
            }
            "DATA" if to.is_empty() => "503 no valid recipients\r\n".into(),
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    let body = if line.starts_with(b"..") {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    data.extend_from_slice(body);
                }
                state.lock().expect("state").messages.push(Received {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data: String::from_utf8_lossy(&data).into_owned(),
                    bytes: data,
                    at: std::time::Instant::now(),
                });
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                "250 2.0.0 queued\r\n".into()
            }
            _ => "500 5.5.2 unknown command\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}
