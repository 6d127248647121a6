//! A descriptor that another library owns, watched on the loop: asyncio's
//! `loop.add_reader`. Here the "library" is a worker thread that reports its
//! progress by writing one byte per step to a socket it made; the loop reads
//! each report as it comes, while its own tasks go on, and stops watching
//! when the work is done.
//!
//! ```text
//! cargo run --example fd_watcher
//! ```

use std::cell::RefCell;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::Duration;

/// The other library: a job on its own thread, and the end of the socket pair
/// it reports progress on.
fn start_library_job(steps: u8) -> std::os::unix::net::UnixStream {
    let (reader, mut writer) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
    std::thread::spawn(move || {
        for step in 1..=steps {
            std::thread::sleep(Duration::from_millis(20));
            std::io::Write::write_all(&mut writer, &[step]).expect("the loop reads");
        }
    });
    reader
}

fn main() {
    corio::run(async {
        let reports = start_library_job(5);
        let fd = reports.as_raw_fd();
        let reports = RefCell::new(reports);
        let finished = Rc::new(corio::Event::new());
        let done = finished.clone();
        corio::add_reader(fd, move || {
            let mut step = [0];
            match reports.borrow_mut().read(&mut step) {
                Ok(1) => println!("library: step {} of 5", step[0]),
                // End of stream: the library's thread is done.
                _ => {
                    corio::remove_reader(fd);
                    done.set();
                }
            }
        })
        .expect("a socket can be watched");
        let ticker = corio::create_task(async {
            for tick in 1.. {
                corio::sleep(Duration::from_millis(30)).await;
                println!("loop: tick {tick}");
            }
        });
        finished.wait().await;
        ticker.cancel();
        println!("the library finished; the loop stopped watching its socket");
    });
}
