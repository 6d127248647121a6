//! An accept loop that runs out of file descriptors (`EMFILE`) backs off
//! and keeps serving once descriptors free up.
//!
//! Lowering the descriptor limit would starve every other test of this
//! process, so the test runs itself again as a child process that does.

use std::process::{Command, Stdio};

const CLIENTS: usize = 60;

/// The clients, in Python: connect all, then send a byte on each and read
/// each echo; prints how many came back. The kernel queues the connections
/// that the server cannot accept yet.
const PY_CLIENTS: &str = r#"
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(n)]
for s in socks:
    s.sendall(b"x")
print(sum(1 for s in socks if s.recv(1) == b"x"))
"#;

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[test]
fn an_accept_loop_out_of_descriptors_backs_off_and_recovers() {
    if std::env::var_os("CORIO_EMFILE_CHILD").is_some() {
        return child();
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "an_accept_loop_out_of_descriptors_backs_off_and_recovers", "--nocapture"])
        .env("CORIO_EMFILE_CHILD", "1")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{log}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(log.contains(&format!("served {CLIENTS} with at most")), "{log}");
}

fn child() {
    let (served, peak) = corio::run(async {
        let open = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let peak = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let (counter, high) = (open.clone(), peak.clone());
        let server = corio::start_server(
            move |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| {
                let (open, peak) = (counter.clone(), high.clone());
                async move {
                    open.set(open.get() + 1);
                    peak.set(peak.get().max(open.get()));
                    if let Ok(byte) = reader.readexactly(1).await {
                        writer.write(&byte);
                    }
                    writer.close();
                    let _ = writer.wait_closed().await;
                    drop((reader, writer));
                    open.set(open.get() - 1);
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let clients = Command::new("python3")
            .args(["-c", PY_CLIENTS, &port.to_string(), &CLIENTS.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the clients");
        // Now starve the server: room for only a handful of connections.
        let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
        rlimit::Resource::NOFILE.set(open_descriptors() + 8, hard).unwrap();
        let output = corio::to_thread(move || clients.wait_with_output().unwrap()).await.unwrap();
        let served: usize = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap_or(0);
        (served, peak.get())
    });
    assert_eq!(served, CLIENTS, "every client was served in the end");
    assert!(peak < CLIENTS, "the descriptor limit held the server back (peak {peak})");
    println!("served {served} with at most {peak} at once");
}
