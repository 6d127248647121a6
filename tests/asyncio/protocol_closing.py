# Closing from a callback (selector_events.py: _SelectorSocketTransport.close,
# _call_connection_lost): close() with nothing buffered counts the
# connection as lost at once, so a write after it is dropped;
# connection_lost comes through call_soon, after the task the callback
# woke; inside connection_lost the transport is closing and drops writes.
import asyncio

log = []

class Closer(asyncio.Protocol):
    def __init__(self, woken):
        self.woken = woken
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        log.append(f'server data {data!r}')
        self.woken.set()
        self.transport.close()
        self.transport.write(b'after close')
        log.append(f'server closing {self.transport.is_closing()}')
    def connection_lost(self, exc):
        self.transport.write(b'from connection_lost')
        log.append(f'server lost {exc}, closing {self.transport.is_closing()}')

class Peer(asyncio.Protocol):
    def __init__(self, done):
        self.done = done
    def data_received(self, data):
        log.append(f'peer data {data!r}')
    def eof_received(self):
        log.append('peer eof')
    def connection_lost(self, exc):
        log.append('peer lost')
        self.done.set_result(None)

async def main():
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    server = await loop.create_server(lambda: Closer(woken), '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    done = loop.create_future()
    transport, _ = await loop.create_connection(lambda: Peer(done), '127.0.0.1', port)
    transport.write(b'hi')
    await woken.wait()
    log.append('woken task resumed')
    await done
    server.close()
    await server.wait_closed()
    print(log)

asyncio.run(main())
