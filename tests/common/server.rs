//! A running `idphoto serve`, started as a user starts it (the built binary, a free loopback
//! port), for the tests over real HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running `idphoto serve`; killed on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// stderr lines after `ready` (the request log)
    log: std::sync::Mutex<mpsc::Receiver<String>>,
}

impl Server {
    /// Starts the server on a free loopback port and waits until it is ready.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_idphoto"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut base = None;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|e| panic!("server did not start: {e}"));
            if let Some(rest) = line.split("listening on http://").nth(1) {
                base = Some(format!(
                    "http://{}",
                    rest.split_whitespace().next().unwrap()
                ));
            }
            if line.contains("ready") {
                break;
            }
            assert!(!line.starts_with("error"), "{line}");
        }
        Server {
            child,
            base: base.expect("a `listening on` line"),
            log: std::sync::Mutex::new(rx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `multipart/form-data` body: the text parts, then the photo as `photo`. Returns the
/// content type (with its boundary) and the body.
pub fn multipart_body(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    use std::io::Write as _;
    let boundary = "----idphoto-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in fields {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    if let Some(p) = photo {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(p);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// An HTTP client for the tests: statuses are answers, not errors; two minutes at most.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}
