//! What the benches that measure a server in a process of its own share
//! (`tcp_echo`, and corio-http's `http`): the server announces its port,
//! serves until its stdin closes, then prints the CPU time it used; the
//! load generator runs in another process, pinned to the other core.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// CPU seconds this process has used, in user space and in the kernel
/// (from `/proc/self/stat`, in ticks of 10 ms).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let seconds = |field: &str| field.parse::<f64>().unwrap() / 100.0; // USER_HZ
    (seconds(fields[11]), seconds(fields[12]))
}

/// The server's first line: its port.
pub(crate) fn announce(port: u16) {
    println!("{port}");
    std::io::stdout().flush().unwrap();
}

/// The server's last line, once its stdin closed: its CPU seconds.
pub(crate) fn finish() {
    let (user, system) = cpu_seconds();
    println!("{user} {system}");
}

/// One server's run: how many operations the load completed, and the
/// server's CPU seconds in user space and in the kernel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Run {
    pub(crate) operations: u64,
    pub(crate) user: f64,
    pub(crate) system: f64,
}

impl Run {
    pub(crate) fn micros_per_operation(self, seconds: f64) -> f64 {
        seconds * 1e6 / self.operations.max(1) as f64
    }

    pub(crate) fn total_micros(self) -> f64 {
        self.micros_per_operation(self.user + self.system)
    }

    /// Operations per second, then CPU per operation in all, in user space
    /// and in the kernel, as the benches' tables print them.
    pub(crate) fn columns(self, seconds: u64) -> String {
        format!(
            "{:>10.0} {:>21.2} µs {:>7.2} µs {:>7.2} µs",
            self.operations as f64 / seconds as f64,
            self.total_micros(),
            self.micros_per_operation(self.user),
            self.micros_per_operation(self.system),
        )
    }
}

/// The median of `runs` by CPU per operation.
pub(crate) fn median(mut runs: Vec<Run>) -> Option<Run> {
    runs.sort_by(|a, b| a.total_micros().total_cmp(&b.total_micros()));
    runs.get(runs.len() / 2).copied()
}

pub(crate) fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// This bench's executable with `args`, pinned to `core` when `taskset` is
/// there.
pub(crate) fn this_exe_on(core: &str, args: &[&str]) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut command = if which("taskset") {
        let mut command = Command::new("taskset");
        command.args(["-c", core]).arg(exe);
        command
    } else {
        Command::new(exe)
    };
    command.args(args);
    command
}

/// Runs `server`, then this executable's `--load PORT load_args…` on core
/// 1, which prints how many operations it completed; `None` if the server
/// could not start.
pub(crate) fn measure(server: &mut Command, load_args: &[&str]) -> Option<Run> {
    let mut child = server.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().ok()?;
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).ok()?;
    let port = line.trim().to_owned();
    let mut args = vec!["--load", &port];
    args.extend(load_args);
    let output = this_exe_on("1", &args).output().ok()?;
    let operations: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().ok()?;
    drop(child.stdin.take()); // stop the server
    line.clear();
    out.read_line(&mut line).ok()?;
    let mut cpu = line.split_whitespace().map(str::parse::<f64>);
    let (user, system) = (cpu.next()?.ok()?, cpu.next()?.ok()?);
    let _ = child.wait();
    Some(Run { operations, user, system })
}
