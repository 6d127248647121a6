//! A line-based chat room: clients join, and each line one sends is
//! broadcast to all the others.
//!
//! ```text
//! cargo run --example chat                   # listens on 127.0.0.1:7777
//! nc 127.0.0.1 7777                          # in two or more terminals
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::rc::Rc;

/// Each member's outbox, by member number.
#[derive(Default)]
struct Room {
    members: RefCell<HashMap<u64, corio::Queue<Rc<[u8]>>>>,
    next: std::cell::Cell<u64>,
}

impl Room {
    fn broadcast(&self, from: u64, line: Rc<[u8]>) {
        for (&member, outbox) in self.members.borrow().iter() {
            if member != from {
                let _ = outbox.put_nowait(line.clone());
            }
        }
    }
}

async fn member(room: Rc<Room>, mut reader: corio::StreamReader, mut writer: corio::StreamWriter) {
    let id = room.next.get();
    room.next.set(id + 1);
    let outbox = corio::Queue::new(0);
    room.members.borrow_mut().insert(id, outbox.clone());
    room.broadcast(id, format!("* member {id} joined\n").into_bytes().into());
    // The member's lines go out from a task of their own, so a slow reader
    // holds up only its own outbox.
    let sender = corio::create_task(async move {
        while let Ok(line) = outbox.get().await {
            writer.write(&line);
            if writer.drain().await.is_err() {
                break;
            }
        }
        writer.close();
    });
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break;
        }
        let mut message = format!("member {id}: ").into_bytes();
        message.extend_from_slice(&line);
        room.broadcast(id, message.into());
    }
    if let Some(outbox) = room.members.borrow_mut().remove(&id) {
        outbox.shutdown(false);
    }
    room.broadcast(id, format!("* member {id} left\n").into_bytes().into());
    let _ = sender.await;
}

#[corio::main]
async fn main() -> io::Result<()> {
    let room = Rc::new(Room::default());
    let server =
        corio::start_server(move |reader, writer| member(room.clone(), reader, writer), "127.0.0.1", 7777)
            .await?;
    println!("chat room on {:?}", server.local_addrs());
    server.serve_forever().await;
    Ok(())
}
