//! A throwaway S3-compatible server per test: `python3 -m moto.server` on
//! a free loopback port, killed when the guard drops; buckets and objects
//! made and read with boto3 (both come with moto).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    port: u16,
}

/// The Python that has moto: `WORKPOOL_PYTHON`, or `python3`.
fn python() -> String {
    std::env::var("WORKPOOL_PYTHON").unwrap_or_else(|_| "python3".into())
}

impl S3Server {
    /// Starts the server and waits until it answers.
    ///
    /// # Panics
    ///
    /// When moto is not installed (the tests that call this are
    /// `#[ignore]`d with that reason) or does not start.
    pub fn start() -> S3Server {
        // A port picked free can be taken by another test's server before
        // moto binds it (moto then exits): try again on another.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let child = Command::new(python())
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 -m moto.server starts (pip install 'moto[server]')");
            let mut server = S3Server { child, port };
            let started = Instant::now();
            loop {
                if server.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    std::thread::sleep(Duration::from_millis(50));
                    if server.child.try_wait().ok().flatten().is_none() {
                        return server;
                    }
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "moto.server did not start (pip install 'moto[server]')"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("moto.server did not start on five ports (pip install 'moto[server]')");
    }

    /// The `AWS_*` variables a client needs for this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ]
    }

    fn boto(&self, script: &str, args: &[&str]) {
        let out = Command::new(python())
            .arg("-c")
            .arg(format!(
                "import sys, os, boto3\n\
                 s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:{}', region_name='us-east-1',\n\
                   aws_access_key_id='test', aws_secret_access_key='test')\n{script}",
                self.port
            ))
            .args(args)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "boto3: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Makes `bucket` and uploads every file under `dir` to `prefix/`.
    pub fn upload(&self, bucket: &str, dir: &Path, prefix: &str) {
        self.boto(
            "b, d, p = sys.argv[1:4]\n\
             s3.create_bucket(Bucket=b)\n\
             for root, _, files in os.walk(d):\n\
             \x20   for f in files:\n\
             \x20       full = os.path.join(root, f)\n\
             \x20       s3.upload_file(full, b, p + '/' + os.path.relpath(full, d))",
            &[bucket, &dir.display().to_string(), prefix],
        );
    }

    /// Downloads every object under `prefix/` into `dir`.
    pub fn download(&self, bucket: &str, prefix: &str, dir: &Path) {
        self.boto(
            "b, p, d = sys.argv[1:4]\n\
             for page in s3.get_paginator('list_objects_v2').paginate(Bucket=b, Prefix=p + '/'):\n\
             \x20   for o in page.get('Contents', []):\n\
             \x20       out = os.path.join(d, o['Key'][len(p) + 1:])\n\
             \x20       os.makedirs(os.path.dirname(out), exist_ok=True)\n\
             \x20       s3.download_file(b, o['Key'], out)",
            &[bucket, prefix, &dir.display().to_string()],
        );
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
