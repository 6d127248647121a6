# Write flow control and pause_reading (test_transports.py,
# test_selector_events.py: test_write_buffer_full, test_pause_reading):
# pause_writing is called inside the write() that crosses the high-water
# mark, once; resume_writing when the buffer is down to the low one;
# pause_reading stops data_received until resume_reading; nothing is lost.
import asyncio

SIZE = 16 << 20
log = []

class Reader(asyncio.Protocol):
    def __init__(self, done):
        self.done = done
        self.received = 0
    def connection_made(self, transport):
        self.transport = transport
        transport.pause_reading()
        log.append(f'server reading {transport.is_reading()}')
    def data_received(self, data):
        self.received += len(data)
    def eof_received(self):
        log.append(f'server got all {self.received == SIZE}')
        self.done.set_result(None)

class Writer(asyncio.Protocol):
    def __init__(self, resumed):
        self.resumed = resumed
    def connection_made(self, transport):
        self.transport = transport
    def pause_writing(self):
        log.append(f'pause_writing, above high {self.transport.get_write_buffer_size() > 65536}')
    def resume_writing(self):
        log.append(f'resume_writing, at most low {self.transport.get_write_buffer_size() <= 16384}')
        self.resumed.set_result(None)

async def main():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    readers = []
    def reader():
        readers.append(Reader(done))
        return readers[-1]
    server = await loop.create_server(reader, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    resumed = loop.create_future()
    transport, _ = await loop.create_connection(lambda: Writer(resumed), '127.0.0.1', port)
    transport.set_write_buffer_limits(high=65536)
    log.append(f'limits {transport.get_write_buffer_limits()}')
    transport.write(b'x' * SIZE)
    log.append('write returned')
    transport.write(b'')
    for _ in range(3):
        await asyncio.sleep(0)
    log.append(f'still paused, server received {readers[0].received}')
    readers[0].transport.resume_reading()
    log.append(f'server reading {readers[0].transport.is_reading()}')
    await resumed
    transport.write_eof()
    await done
    transport.close()
    server.close()
    await server.wait_closed()
    print(log)

asyncio.run(main())
