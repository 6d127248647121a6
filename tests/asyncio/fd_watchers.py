# loop.add_reader / add_writer (test_events.py: test_add_reader,
# test_remove_reader, test_add_writer): level-triggered, so a reader that
# takes one byte per call is called again while bytes are left; a watcher
# is only called while its descriptor is ready; remove_* says whether there
# was one, also from inside the callback.
import asyncio
import os

async def main():
    loop = asyncio.get_running_loop()
    log = []
    r, w = os.pipe()
    os.set_blocking(r, False)
    read_all = asyncio.Event()

    def on_readable():
        data = os.read(r, 1)
        log.append(f'read {data.decode()}')
        if data == b'c':
            log.append(f'reader removed {loop.remove_reader(r)}')
            read_all.set()

    loop.add_reader(r, on_readable)
    log.append('reader added')
    await asyncio.sleep(0)
    log.append('a turn, nothing written')
    os.write(w, b'abc')
    await read_all.wait()
    log.append(f'reader removed again {loop.remove_reader(r)}')

    calls = 0
    twice = asyncio.Event()

    def on_writable():
        nonlocal calls
        calls += 1
        log.append(f'writable {calls}')
        if calls == 2:
            log.append(f'writer removed {loop.remove_writer(w)}')
            twice.set()

    loop.add_writer(w, on_writable)
    await twice.wait()
    for _ in range(3):
        await asyncio.sleep(0)
    log.append(f'writer calls {calls}')
    os.close(r)
    os.close(w)
    print(log)

asyncio.run(main())
