//! `UdpSocket`.

use std::time::Duration;

#[test]
fn datagrams_arrive_whole_and_in_order_on_loopback() {
    corio::run(async {
        let sender = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
        let receiver = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = receiver.local_addr().unwrap();
        let reader = corio::create_task(async move {
            let mut got = Vec::new();
            let mut buf = [0; 64];
            for _ in 0..50 {
                let (n, _) = receiver.recv_from(&mut buf).await.unwrap();
                got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
            }
            got
        });
        for i in 0..50 {
            sender.send_to(format!("datagram {i}").as_bytes(), to).await.unwrap();
        }
        let got = reader.await.unwrap();
        let expected: Vec<String> = (0..50).map(|i| format!("datagram {i}")).collect();
        assert_eq!(got, expected);
    });
}

#[test]
fn a_receive_waits_for_a_datagram_and_loses_none_when_dropped() {
    corio::run(async {
        let socket = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
        let peer = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut buf = [0; 8];
        let early = corio::wait_for(std::time::Duration::from_millis(5), socket.recv_from(&mut buf)).await;
        assert!(early.is_err(), "nothing was sent yet");
        peer.send_to(b"late", socket.local_addr().unwrap()).await.unwrap();
        let (n, from) = socket.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"late"[..], peer.local_addr().unwrap()));
    });
}

/// A connected socket whose peer refused a datagram reports it once
/// (`ConnectionRefused`), then waits again like any socket: the error does
/// not leave it "ready" for good, which made every later receive spin
/// inside one poll and froze the loop. Run on a thread with a bound, so a
/// regression fails instead of hanging.
#[test]
fn a_refused_datagram_is_reported_once_and_the_socket_waits_again() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        corio::run(async {
            let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
            let socket = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.connect(dead).unwrap();
            let mut buf = [0; 16];
            // Parked on the socket before the ICMP answer comes, as a
            // protocol's transport is.
            let receive = corio::wait_for(Duration::from_millis(50), socket.recv(&mut buf)).await;
            assert!(receive.is_err(), "nothing to receive yet");
            socket.send(b"anyone?").await.unwrap();
            let error = socket.recv(&mut buf).await.unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
            let again = corio::wait_for(Duration::from_millis(50), socket.recv(&mut buf)).await;
            assert!(again.is_err(), "the socket waits again");
        });
        done.send(()).unwrap();
    });
    finished.recv_timeout(Duration::from_secs(30)).expect("the loop froze after the refused datagram");
}
