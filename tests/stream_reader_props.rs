//! Property: `readline` and `readuntil` give the same lines however the
//! bytes are cut into chunks on the wire.

use proptest::prelude::*;

/// Sends `chunks` from a server, one write and a turn of the loop each,
/// and returns the lines a client reads with `readline`.
fn lines_read(chunks: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    corio::run(async move {
        let server = corio::start_server(
            move |_reader, mut writer: corio::StreamWriter| {
                let chunks = chunks.clone();
                async move {
                    for chunk in chunks {
                        writer.write(&chunk);
                        writer.drain().await.unwrap();
                        corio::yield_now().await;
                    }
                    writer.close();
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let (mut reader, _writer) =
            corio::open_connection("127.0.0.1", server.local_addrs()[0].port()).await.unwrap();
        let mut lines = Vec::new();
        loop {
            let line = reader.readline().await.unwrap();
            if line.is_empty() {
                return lines;
            }
            lines.push(line);
        }
    })
}

/// `text` cut at the given points (taken modulo its length, sorted).
fn cut(text: &[u8], points: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (text.len() + 1)).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for point in cuts.into_iter().chain(std::iter::once(text.len())) {
        chunks.push(text[start..point].to_vec());
        start = point;
    }
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn readline_is_blind_to_chunk_boundaries(
        lines in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40), 1..8),
        points in prop::collection::vec(any::<usize>(), 0..6),
        trailing_newline in any::<bool>(),
    ) {
        let mut text = lines.join(&b'\n');
        if trailing_newline {
            text.push(b'\n');
        }
        // What asyncio's readline yields: each line with its newline, then
        // the rest without one.
        let mut expected: Vec<Vec<u8>> = text.split_inclusive(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        expected.retain(|line| !line.is_empty());
        prop_assert_eq!(lines_read(cut(&text, &points)), expected);
    }
}
