# Server.close_clients() and abort_clients() (3.13; test_server.py):
# close_clients closes every client connection after what is buffered has
# been sent, abort_clients drops what is buffered; either way the client
# reads the end of stream, and the server's handlers see theirs.
# Expected output: CPython 3.13 (close_clients is new there).
import asyncio

async def main():
    log = []
    ended = asyncio.Queue()

    async def handler(reader, writer):
        writer.write(b'hello\n')
        data = await reader.read()
        await ended.put(f'a handler read {data!r} to the end')

    server = await asyncio.start_server(handler, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]

    r, w = await asyncio.open_connection('127.0.0.1', port)
    log.append(f'client got {await r.readline()!r}')
    server.close_clients()
    log.append(f'after close_clients the client got {await r.read()!r}')
    log.append(await ended.get())
    w.close()

    r, w = await asyncio.open_connection('127.0.0.1', port)
    log.append(f'client 2 got {await r.readline()!r}')
    server.abort_clients()
    log.append(f'after abort_clients client 2 got {await r.read()!r}')
    log.append(await ended.get())
    w.close()

    server.close()
    await server.wait_closed()
    print(log)

asyncio.run(main())
