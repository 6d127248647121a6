//! `UdpSocket`.

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
