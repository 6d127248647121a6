# Cancelling the awaiter cancels the awaited task (test_tasks.py's
# test_cancellation_broadcast, test_waitfor.py's test_wait_for): a task
# awaited by a cancelled task, by a wait_for that timed out, by a cancelled
# gather; shield opts out, wait never cancels.
import asyncio

async def main():
    log = []

    async def inner(name):
        try:
            await asyncio.sleep(3600)
        finally:
            log.append(f'{name} finally')

    awaited = asyncio.create_task(inner('awaited'))
    async def awaiter():
        await awaited
    outer = asyncio.create_task(awaiter())
    await asyncio.sleep(0)
    outer.cancel()
    try:
        await outer
    except asyncio.CancelledError:
        log.append('awaiter cancelled')
    log.append(f'awaited cancelled: {awaited.cancelled()}')

    timed = asyncio.create_task(inner('timed'))
    try:
        await asyncio.wait_for(timed, 0.01)
    except TimeoutError:
        log.append('wait_for timeout')
    log.append(f'timed cancelled: {timed.cancelled()}')

    a = asyncio.create_task(inner('a'))
    b = asyncio.create_task(inner('b'))
    async def gatherer():
        await asyncio.gather(a, b)
    g = asyncio.create_task(gatherer())
    await asyncio.sleep(0)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        log.append('gather cancelled')
    log.append(f'children cancelled: {a.cancelled()} {b.cancelled()}')

    shielded = asyncio.create_task(inner('shielded'))
    try:
        await asyncio.wait_for(asyncio.shield(shielded), 0.01)
    except TimeoutError:
        log.append('shield timeout')
    log.append(f'shielded done: {shielded.done()}')
    shielded.cancel()
    await asyncio.sleep(0)

    waited = asyncio.create_task(inner('waited'))
    done, pending = await asyncio.wait([waited], timeout=0.01)
    log.append(f'wait: pending {waited in pending}, done {waited.done()}')
    waited.cancel()
    await asyncio.sleep(0)

    print(log)

asyncio.run(main())
