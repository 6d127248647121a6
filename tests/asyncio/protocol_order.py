# Protocol callback order (test_events.py: test_create_server,
# test_create_connection; test_protocols.py): connection_made first,
# data_received* then eof_received, connection_lost last and exactly once;
# create_connection returns after connection_made; eof_received returning
# False closes the transport (after what it wrote is sent), True keeps it
# open; close() is idempotent. Each side logs on its own, since which of
# the two accepts or connects first is a race.
import asyncio

server_log = []
client_log = []

class Server(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        server_log.append('server made')
        transport.write(b'hello\n')
    def data_received(self, data):
        server_log.append(f'server data {data!r}')
        self.transport.write(data.upper())
    def eof_received(self):
        server_log.append('server eof')
        self.transport.write(b'bye\n')
        return False
    def connection_lost(self, exc):
        server_log.append(f'server lost {exc}')

class Client(asyncio.Protocol):
    def __init__(self, events):
        self.events = events
    def connection_made(self, transport):
        client_log.append(f'client made, closing {transport.is_closing()}')
    def data_received(self, data):
        client_log.append(f'client data {data!r}')
        self.events.put_nowait('data')
    def eof_received(self):
        client_log.append('client eof')
        self.events.put_nowait('eof')
        return True
    def connection_lost(self, exc):
        client_log.append(f'client lost {exc}')
        self.events.put_nowait('lost')

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Server, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    events = asyncio.Queue()
    transport, protocol = await loop.create_connection(lambda: Client(events), '127.0.0.1', port)
    client_log.append(f'connected, can_write_eof {transport.can_write_eof()}')
    await events.get()
    transport.write(b'abc')
    await events.get()
    client_log.append('client writes eof')
    transport.write_eof()
    while await events.get() != 'eof':
        pass
    client_log.append(f'client closing {transport.is_closing()}')
    transport.close()
    client_log.append(f'client closing {transport.is_closing()}')
    transport.close()
    await events.get()
    client_log.append(f'client lost once {events.empty()}')
    server.close()
    await server.wait_closed()
    # Each side's callbacks in order; the two sides run concurrently.
    print(server_log + client_log)

asyncio.run(main())
