//! Run `ls` and `sh -c 'exit 3'` concurrently; capture the output and the
//! exit codes.
//!
//! ```text
//! cargo run --example subprocess
//! ```
//!
//! The asyncio original:
//!
//! ```python
//! ls = await asyncio.create_subprocess_exec("ls", stdout=PIPE)
//! sh = await asyncio.create_subprocess_shell("exit 3")
//! (out, _), code = await asyncio.gather(ls.communicate(), sh.wait())
//! ```

use std::io;
use std::process::Stdio;

#[corio::main]
async fn main() -> io::Result<()> {
    let mut ls = corio::create_subprocess_exec("ls", ["-1"]).stdout(Stdio::piped()).await?;
    let mut sh = corio::create_subprocess_shell("exit 3").await?;
    let (listing, status) = corio::gather!(ls.communicate(None), sh.wait()).await;
    let (out, _) = listing?;
    println!(
        "ls exited with {:?} and listed {} entries:",
        ls.returncode(),
        out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count()
    );
    print!("{}", String::from_utf8_lossy(&out));
    println!("sh exited with {:?}", status?.code());
    Ok(())
}
