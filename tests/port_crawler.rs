//! A worked port: `tests/asyncio/crawler.py`, a 50-line asyncio program
//! (a queue of URLs, three workers, a semaphore of two, a timeout per fetch,
//! a report), in corio. It must print what CPython prints, line for line;
//! `docs/porting.md` walks through it.

mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

use support::Log;

fn delay(url: &str) -> Duration {
    let ms = match url {
        "a" => 30,
        "b" => 10,
        "c" => 500,
        "d" => 20,
        "e" => 40,
        _ => 10,
    };
    Duration::from_millis(ms)
}

fn links(url: &str) -> Vec<&'static str> {
    match url {
        "a" => vec!["d", "e"],
        "b" => vec!["f"],
        "e" => vec!["a"],
        _ => vec![],
    }
}

/// Python's `repr` of a list of strings.
fn py_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("'{item}'")).collect();
    format!("[{}]", quoted.join(", "))
}

async fn fetch(url: &'static str, limit: &corio::Semaphore, log: &Log) -> Vec<&'static str> {
    let _permit = limit.acquire().await; // async with limit:
    log.push(format!("fetch {url}"));
    corio::sleep(delay(url)).await;
    links(url)
}

struct Crawl {
    queue: corio::Queue<&'static str>,
    seen: RefCell<HashSet<&'static str>>,
    limit: corio::Semaphore,
    log: Log,
    results: RefCell<BTreeMap<&'static str, String>>,
}

async fn worker(name: String, crawl: Rc<Crawl>) {
    while let Ok(url) = crawl.queue.get().await {
        match corio::timeout(Duration::from_millis(100), fetch(url, &crawl.limit, &crawl.log)).await {
            Err(_timeout) => {
                crawl.log.push(format!("{name}: {url} timed out"));
                crawl.results.borrow_mut().insert(url, "'timeout'".to_owned());
            }
            Ok(found) => {
                crawl.log.push(format!("{name}: {url} -> {}", py_list(&found)));
                crawl.results.borrow_mut().insert(url, found.len().to_string());
                for link in found {
                    if crawl.seen.borrow_mut().insert(link) {
                        crawl.queue.put_nowait(link).unwrap();
                    }
                }
            }
        }
        crawl.queue.task_done().unwrap();
    }
}

#[corio::test(virtual_time)]
async fn the_crawler_prints_what_cpython_prints() {
    let crawl = Rc::new(Crawl {
        queue: corio::Queue::new(0),
        seen: RefCell::new(HashSet::from(["a", "b", "c"])),
        limit: corio::Semaphore::new(2),
        log: Log::new(),
        results: RefCell::new(BTreeMap::new()),
    });
    for url in ["a", "b", "c"] {
        crawl.queue.put_nowait(url).unwrap();
    }
    let workers: Vec<_> =
        (0..3).map(|i| corio::create_task(worker(format!("w{i}"), crawl.clone()))).collect();
    crawl.queue.join().await;
    for worker in &workers {
        worker.cancel();
    }
    corio::gather(workers).await; // return_exceptions=True: every outcome comes back

    let mut printed = crawl.log.take();
    let results: Vec<String> =
        crawl.results.borrow().iter().map(|(url, value)| format!("('{url}', {value})")).collect();
    printed.push(format!("[{}]", results.join(", ")));
    let expected =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/asyncio/crawler.expected"))
            .unwrap();
    assert_eq!(printed, expected.lines().collect::<Vec<_>>());
}
