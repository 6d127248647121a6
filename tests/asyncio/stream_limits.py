# readline/readuntil limits, at_eof and drain after close, as asyncio's
# streams have them (test_streams.py: test_readuntil_limit_found_sep,
# test_readline_limit, test_readline_limit_with_existing_data; 3.11's
# StreamWriter.drain): the limit bounds the data before the separator;
# LimitOverrunError.consumed is where the separator was found, or how far
# it cannot be; readline then drops the line, or the whole buffer. A
# reader's at_eof is true once its own writer has closed, and drain after
# close reports the lost connection.
import asyncio

PAYLOADS = {
    b'1': b'1234567\n12345678\nnext\n',
    b'2': b'some dataAA',
    b'3': b'some dataAAA',
    b'4': b'123456',
    b'5': b'',
}

async def main():
    log = []

    async def handler(reader, writer):
        case = await reader.read(1)
        writer.write(PAYLOADS.get(case, b''))
        if case != b'4':
            await reader.read()  # until the client closes
        writer.close()

    server = await asyncio.start_server(handler, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]

    async def client(case, limit):
        reader, writer = await asyncio.open_connection('127.0.0.1', port, limit=limit)
        writer.write(case)
        return reader, writer

    async def close(writer):
        writer.close()
        await writer.wait_closed()

    reader, writer = await client(b'1', 7)
    log.append(f'limit 7: {await reader.readline()!r}')
    try:
        await reader.readline()
    except ValueError as e:
        log.append(f'limit 7, 8 bytes: {e}')
    log.append(f'then {await reader.readline()!r}')
    await close(writer)

    for case in (b'2', b'3'):
        reader, writer = await client(case, 3)
        try:
            await reader.readuntil(b'AAA')
        except asyncio.LimitOverrunError as e:
            log.append(f'{e.args[0]}: consumed {e.consumed}')
        log.append(f'buffered {await reader.read(100)!r}')
        await close(writer)

    reader, writer = await client(b'4', 4)
    try:
        await reader.readline()
    except ValueError as e:
        log.append(f'limit 4, no newline: {e}')
    log.append(f'then {await reader.read(100)!r}, at_eof {reader.at_eof()}')
    await close(writer)

    reader, writer = await client(b'5', 100)
    writer.close()
    log.append(f'at_eof after close: {reader.at_eof()}')
    await writer.wait_closed()
    log.append(f'at_eof after wait_closed: {reader.at_eof()}')
    writer.write(b'after close')
    try:
        await writer.drain()
        log.append('drain after close: ok')
    except ConnectionResetError as e:
        log.append(f'drain after close: ConnectionResetError {e}')

    server.close()
    await server.wait_closed()
    print(log)

asyncio.run(main())
