# An item put while a getter waits stays in the queue until that getter
# runs (test_queues.py: qsize, test_get_cancel_drop_one_pending_reader,
# test_put_cancel_drop; 3.13's shutdown cases): qsize counts it, a task that
# comes first may take it (the woken getter waits again), a put_nowait fails
# only when the queue is full, and shutdown(immediate=True) takes the item
# back, so the woken getter gets QueueShutDown and join returns.
# Expected output: CPython 3.13 (Queue.shutdown is new there).
import asyncio

async def main():
    log = []

    q = asyncio.Queue()
    async def getter(name):
        try:
            log.append(f'{name} got {await q.get()}')
        except asyncio.QueueShutDown:
            log.append(f'{name} shut down')

    g = asyncio.create_task(getter('g1'))
    await asyncio.sleep(0)
    q.put_nowait('a')
    log.append(f'qsize {q.qsize()} empty {q.empty()}')
    await g
    log.append(f'qsize {q.qsize()}')

    g = asyncio.create_task(getter('g2'))
    await asyncio.sleep(0)
    q.put_nowait('b')
    log.append(f'main took {q.get_nowait()} first')
    await asyncio.sleep(0)
    log.append(f'g2 done {g.done()}')
    q.put_nowait('c')
    await g

    # A full queue of one, a putter woken for the room a get made: until it
    # runs, the room is anybody's.
    q = asyncio.Queue(1)
    q.put_nowait('x')
    async def putter(item):
        await q.put(item)
        log.append(f'put {item}')
    p = asyncio.create_task(putter('y'))
    await asyncio.sleep(0)
    log.append(f'got {q.get_nowait()}, full {q.full()}')
    q.put_nowait('z')
    log.append(f'put_nowait z, full {q.full()}')
    await asyncio.sleep(0)
    log.append(f'putter done {p.done()}')
    log.append(f'got {q.get_nowait()}')
    await p
    log.append(f'got {q.get_nowait()}')

    # Immediate shutdown takes back an item a woken getter has not taken.
    q = asyncio.Queue()
    g = asyncio.create_task(getter('g3'))
    await asyncio.sleep(0)
    q.put_nowait('d')
    q.shutdown(immediate=True)
    log.append(f'qsize {q.qsize()}')
    await q.join()
    log.append('joined')
    await g
    print(log)

asyncio.run(main())
