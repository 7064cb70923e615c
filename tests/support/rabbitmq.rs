//! A throwaway RabbitMQ node per test: its own data and log folders, node
//! name, free ports (kept under 55000: the node's CLI tools listen on its
//! distribution port plus 10000), Erlang cookie in a HOME of its own, and
//! an Erlang port mapper of its own; stopped, with its port mapper, when
//! the guard drops.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where Debian's package puts the server's own scripts (the ones in
/// /usr/sbin switch to the `rabbitmq` user).
const SCRIPTS: &str = "/usr/lib/rabbitmq/bin";

/// Whether rabbitmq-server is installed (`.ci/deps/rabbitmq.sh`).
pub fn rabbitmq_installed() -> bool {
    Path::new(SCRIPTS).join("rabbitmq-server").is_file()
}

/// A running node.
#[derive(Debug)]
pub struct RabbitMq {
    dir: tempfile::TempDir,
    node: String,
    port: u16,
    dist_port: u16,
    epmd_port: u16,
    server: Option<Child>,
}

/// A loopback port that is free, and whose `+ 10000` is free too, below
/// 55000.
fn free_port(taken: &[u16]) -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let seed = std::process::id() ^ nanos;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    for i in 0..2000u32 {
        let n = seed
            .wrapping_mul(7919)
            .wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed))
            .wrapping_add(i * 131);
        let port = u16::try_from(20000 + n % 34000).expect("below 55000");
        let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
        if !taken.contains(&port) && free(port) && free(port + 10000) {
            return port;
        }
    }
    panic!("no free loopback port below 55000");
}

impl RabbitMq {
    /// Starts a node and waits until it takes connections.
    ///
    /// # Panics
    ///
    /// When RabbitMQ is not installed (the tests that call this are
    /// `#[ignore]`d with that reason) or the node does not start.
    pub fn start() -> RabbitMq {
        assert!(
            rabbitmq_installed(),
            "rabbitmq-server is missing: .ci/deps/rabbitmq.sh installs it"
        );
        let dir = tempfile::Builder::new()
            .prefix("workpool-rabbitmq-")
            .tempdir()
            .expect("a temporary folder");
        for sub in ["home", "data", "log"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("folders");
        }
        let cookie = dir.path().join("home/.erlang.cookie");
        std::fs::write(&cookie, format!("WORKPOOLTEST{}", std::process::id())).expect("cookie");
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&cookie, std::fs::Permissions::from_mode(0o600)).expect("mode");
        std::fs::write(dir.path().join("plugins"), "[].\n").expect("plugins file");
        std::fs::write(dir.path().join("env.conf"), "").expect("env file");
        let port = free_port(&[]);
        let dist_port = free_port(&[port]);
        let epmd_port = free_port(&[port, dist_port]);
        std::fs::write(
            dir.path().join("rabbitmq.conf"),
            format!("listeners.tcp.default = 127.0.0.1:{port}\nloopback_users = none\n"),
        )
        .expect("config");
        static NODES: AtomicU32 = AtomicU32::new(0);
        let node = format!(
            "workpool{}n{}@localhost",
            std::process::id(),
            NODES.fetch_add(1, Ordering::Relaxed)
        );
        let mut rabbit = RabbitMq {
            dir,
            node,
            port,
            dist_port,
            epmd_port,
            server: None,
        };
        rabbit.boot();
        rabbit
    }

    fn env(&self, command: &mut Command) {
        let d = self.dir.path();
        command
            .env("HOME", d.join("home"))
            .env("RABBITMQ_MNESIA_BASE", d.join("data"))
            .env("RABBITMQ_LOG_BASE", d.join("log"))
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d.join("plugins"))
            .env("RABBITMQ_CONF_ENV_FILE", d.join("env.conf"))
            .env("RABBITMQ_CONFIG_FILE", d.join("rabbitmq"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", d.join("advanced.config"))
            .env("RABBITMQ_PID_FILE", d.join("pid"));
    }

    /// Starts the node's server and waits until it is up.
    fn boot(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.out")).expect("a log file");
        let mut server = Command::new(Path::new(SCRIPTS).join("rabbitmq-server"));
        self.env(&mut server);
        server
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        self.server = Some(server.spawn().expect("rabbitmq-server starts"));
        let started = Instant::now();
        loop {
            let up = self.ctl(&["await_startup", "--timeout", "5"]);
            if up.status.success() {
                return;
            }
            let exited = self
                .server
                .as_mut()
                .and_then(|s| s.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > Duration::from_secs(90) {
                panic!(
                    "the RabbitMQ node did not start: {}\n{}",
                    String::from_utf8_lossy(&up.stderr),
                    std::fs::read_to_string(self.dir.path().join("server.out")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Runs `rabbitmqctl ARGS` against this node.
    pub fn ctl(&self, args: &[&str]) -> Output {
        let mut ctl = Command::new(Path::new(SCRIPTS).join("rabbitmqctl"));
        self.env(&mut ctl);
        ctl.arg("-n").arg(&self.node).args(args);
        ctl.output().expect("rabbitmqctl runs")
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/%2f`.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// The node's AMQP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The node's folder (its data, logs and cookie).
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Stops the node (as `systemctl stop` would: connections closed) and
    /// starts it again on the same data and port.
    pub fn restart(&mut self) {
        self.shutdown();
        self.boot();
    }

    fn shutdown(&mut self) {
        let _ = self.ctl(&["shutdown"]);
        if let Some(mut server) = self.server.take() {
            let deadline = Instant::now() + Duration::from_secs(30);
            while server.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

impl Drop for RabbitMq {
    fn drop(&mut self) {
        self.shutdown();
        let _ = Command::new("epmd")
            .args(["-port", &self.epmd_port.to_string(), "-kill"])
            .output();
    }
}
