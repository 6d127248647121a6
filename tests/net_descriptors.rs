//! No descriptor leaks: ten thousand connections opened and closed on one
//! loop, with sockets and with streams, leave the process's open
//! descriptors where they were. (One test in its own binary: the count is
//! the whole process's.)

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Cycles of each kind: sockets, then streams.
const CYCLES: usize = 5_000;

#[test]
fn ten_thousand_connect_close_cycles_leak_no_descriptor() {
    let before = open_fds();
    let during = corio::run(async {
        let baseline = open_fds();
        let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = corio::create_task(async move {
            for _ in 0..CYCLES {
                let (mut conn, _) = listener.accept().await.unwrap();
                let mut byte = [0];
                conn.read_exact(&mut byte).await.unwrap();
                conn.write_all(&byte).await.unwrap();
            }
        });
        for i in 0..CYCLES {
            let mut client = corio::TcpStream::connect(addr).await.unwrap();
            client.write_all(&[i as u8]).await.unwrap();
            let mut byte = [0];
            client.read_exact(&mut byte).await.unwrap();
            assert_eq!(byte, [i as u8]);
        }
        server.await.unwrap();

        // Each handler reports once it has dropped its connection.
        let handled = corio::Queue::new(0);
        let reports = handled.clone();
        let streams = corio::start_server(
            move |mut reader, mut writer| {
                let reports = reports.clone();
                async move {
                    let line = reader.readline().await.unwrap();
                    writer.write(&line);
                    writer.close();
                    let _ = writer.wait_closed().await;
                    drop((reader, writer));
                    reports.put_nowait(()).unwrap();
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = streams.local_addrs()[0].port();
        for i in 0..CYCLES {
            let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
            writer.write(format!("{i}\n").as_bytes());
            assert_eq!(reader.readline().await.unwrap(), format!("{i}\n").into_bytes());
            writer.close();
            writer.wait_closed().await.unwrap();
        }
        streams.close();
        streams.wait_closed().await;
        for _ in 0..CYCLES {
            handled.get().await.unwrap();
        }
        open_fds() as isize - baseline as isize
    });
    assert_eq!(during, 0, "descriptors left open while the loop ran");
    assert_eq!(open_fds(), before, "descriptors left open after the loop closed");
}
