//! Real `chainplan serve` and `chainplan worker` processes on a Redis store,
//! and private `redis-server` processes, for the tests of replicas,
//! restarts and faults. Every test uses its own key prefix and deletes its
//! keys at the end.

use chainplan::store::RedisStore;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tonic::transport::Channel;

/// The Redis the tests share (`make test` starts one when none answers).
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test uses.
pub fn unique_prefix() -> String {
    format!("chainplan-test-{}", uuid::Uuid::new_v4().simple())
}

/// Deletes every key under `prefix`.
pub async fn delete_keys(url: &str, prefix: &str) {
    if let Ok(store) = RedisStore::connect(url, prefix).await {
        let _ = store.delete_all_keys().await;
    }
}

/// A child process killed when dropped.
pub struct Proc {
    pub child: Child,
    /// The address a server listens on.
    pub addr: Option<SocketAddr>,
}

impl Proc {
    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the process to stop (SIGTERM) and waits for it.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.kill();
    }

    pub async fn channel(&self) -> Channel {
        let addr = self.addr.expect("a server process");
        for _ in 0..100 {
            if let Ok(c) = Channel::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect()
                .await
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server at {addr} did not come up");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn chainplan() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chainplan"));
    cmd.env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Forwards a child's standard error to the test's, and sends the first
/// line containing `marker` back.
fn watch_stderr(child: &mut Child, marker: &'static str) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("  | {line}");
            if line.contains(marker) {
                let _ = tx.send(line);
            }
        }
    });
    rx
}

/// `chainplan serve` on a free loopback port over the Redis store.
pub fn serve(url: &str, prefix: &str, solve_workers: usize) -> Proc {
    let mut child = chainplan()
        .args(["serve", "--addr", "127.0.0.1:0", "--store", url])
        .args(["--redis-prefix", prefix])
        .args(["--solve-workers", &solve_workers.to_string()])
        .spawn()
        .expect("chainplan serve starts");
    let lines = watch_stderr(&mut child, "chainplan serving on ");
    let line = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it listens");
    let addr = line
        .rsplit(' ')
        .next()
        .and_then(|a| a.parse().ok())
        .expect("an address");
    Proc {
        child,
        addr: Some(addr),
    }
}

/// `chainplan worker` with one solver on the Redis store's queue.
pub fn worker(url: &str, prefix: &str) -> Proc {
    let mut child = chainplan()
        .args(["worker", "--store", url, "--redis-prefix", prefix])
        .args(["--solve-workers", "1"])
        .spawn()
        .expect("chainplan worker starts");
    let lines = watch_stderr(&mut child, "chainplan worker:");
    lines
        .recv_timeout(Duration::from_secs(30))
        .expect("the worker starts");
    Proc { child, addr: None }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private `redis-server` on `port` that appends every write to its AOF
/// in `dir` before answering (so a kill loses nothing it acknowledged).
pub fn redis_server(port: u16, dir: &Path) -> Proc {
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args([
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ])
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed (make deps installs it)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Proc { child, addr: None };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("redis-server did not start on port {port}");
}
