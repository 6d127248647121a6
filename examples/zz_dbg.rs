use std::time::Duration;
fn main() {
    corio::run(async {
        let t = corio::create_task(async {
            let _g = G("timed");
            corio::sleep(Duration::from_secs(3600)).await;
        });
        let _ = corio::wait_for(Duration::from_millis(10), t).await;
        let a = corio::create_task(async {
            let _g = G("a");
            corio::sleep(Duration::from_secs(3600)).await;
        });
        let gatherer = corio::create_task(async move { corio::gather([a]).await });
        corio::yield_now().await;
        eprintln!("cancel");
        gatherer.cancel();
        let _ = gatherer.await;
        eprintln!("after");
    });
}
struct G(&'static str);
impl Drop for G {
    fn drop(&mut self) {
        eprintln!("{} dropped", self.0);
    }
}
