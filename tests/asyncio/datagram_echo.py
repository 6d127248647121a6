# create_datagram_endpoint (test_events.py: test_create_datagram_endpoint,
# test_base_events.py: DatagramProtocol): connection_made first, each
# datagram to datagram_received with its sender, a refused send to a
# connected endpoint's error_received (the endpoint stays open), and
# connection_lost once after close().
import asyncio
import socket

log = []

class Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport
        log.append('server made')
    def datagram_received(self, data, addr):
        log.append(f'server got {data!r}')
        self.transport.sendto(data.upper(), addr)
    def connection_lost(self, exc):
        log.append(f'server lost {exc}')

class Client(asyncio.DatagramProtocol):
    def __init__(self, events):
        self.events = events
    def connection_made(self, transport):
        log.append('client made')
    def datagram_received(self, data, addr):
        log.append(f'client got {data!r} from the server {addr == self.server}')
        self.events.put_nowait('datagram')
    def error_received(self, exc):
        log.append(f'client error {type(exc).__name__}')
        self.events.put_nowait('error')
    def connection_lost(self, exc):
        log.append(f'client lost {exc}')
        self.events.put_nowait('lost')

async def main():
    loop = asyncio.get_running_loop()
    server, _ = await loop.create_datagram_endpoint(Echo, local_addr=('127.0.0.1', 0))
    server_addr = server.get_extra_info('sockname')
    events = asyncio.Queue()
    client, protocol = await loop.create_datagram_endpoint(
        lambda: Client(events), remote_addr=server_addr)
    protocol.server = server_addr
    log.append(f'connected to the server {client.get_extra_info("peername") == server_addr}')
    for word in [b'one', b'two', b'three']:
        client.sendto(word)
        await events.get()
    # A port nobody listens on: the kernel answers with ICMP, which a
    # connected UDP socket reports as ECONNREFUSED on its next receive.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(('127.0.0.1', 0))
    dead = probe.getsockname()
    probe.close()
    refused, _ = await loop.create_datagram_endpoint(
        lambda: Client(events), remote_addr=dead)
    refused.sendto(b'anyone?')
    await events.get()
    log.append(f'refused endpoint closing {refused.is_closing()}')
    refused.close()
    await events.get()
    client.close()
    await events.get()
    server.close()
    await asyncio.sleep(0)
    print(log)

asyncio.run(main())
