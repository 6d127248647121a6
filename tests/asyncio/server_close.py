# Server.close() closes the listening sockets at once: a connect right
# after it is refused, and the port can be bound again
# (test_events.py's test_server_close).
import asyncio
import socket

async def main():
    log = []
    async def handler(reader, writer):
        writer.close()
    server = await asyncio.start_server(handler, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    with socket.create_connection(('127.0.0.1', port)):
        log.append('connect while serving: ok')
    server.close()
    try:
        socket.create_connection(('127.0.0.1', port)).close()
        log.append('connect after close: ok')
    except ConnectionRefusedError:
        log.append('connect after close: refused')
    with socket.socket() as again:
        again.bind(('127.0.0.1', port))
        log.append('bind again: ok')
    await server.wait_closed()
    print(log)

asyncio.run(main())
