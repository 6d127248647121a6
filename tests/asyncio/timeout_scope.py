# asyncio.timeout as a scope (test_timeouts.py: reschedule, expired, when):
# a deadline moved later lets the body finish, None disables it, one moved
# earlier or into the past expires (at the next suspension: code before it
# still runs), another task may move it while the body waits, and moving it
# after exit, or before entering, is an error. A body that finishes without
# suspending beats a deadline already passed. Nested scopes due at the same
# instant both expire; the outer one reports.
# Expected output: CPython 3.13 (3.11 asserts instead of raising before entry).
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    log = []

    async with asyncio.timeout(0.01) as cm:
        log.append(f'when set {cm.when() is not None}')
        cm.reschedule(loop.time() + 0.05)
        await asyncio.sleep(0.02)
        log.append(f'body 1 done, expired {cm.expired()}')

    async with asyncio.timeout(0.01) as cm:
        cm.reschedule(None)
        await asyncio.sleep(0.02)
        log.append(f'body 2 done, when {cm.when()}, expired {cm.expired()}')

    try:
        async with asyncio.timeout(10) as cm:
            cm.reschedule(loop.time() + 0.01)
            await asyncio.sleep(1)
            log.append('not reached')
    except TimeoutError:
        log.append(f'timed out 3, expired {cm.expired()}')

    try:
        async with asyncio.timeout(10) as cm:
            cm.reschedule(loop.time() - 1)
            log.append('after a reschedule into the past')
            await asyncio.sleep(0)
            log.append('not reached')
    except TimeoutError:
        log.append(f'timed out 4, expired {cm.expired()}')

    cm5 = asyncio.timeout(None)
    async def extend_later():
        await asyncio.sleep(0.01)
        cm5.reschedule(loop.time() + 0.01)
        log.append('another task set the deadline')
    other = asyncio.create_task(extend_later())
    try:
        async with cm5:
            await asyncio.sleep(1)
            log.append('not reached')
    except TimeoutError:
        log.append(f'timed out 5, expired {cm5.expired()}')
    await other

    try:
        cm5.reschedule(None)
    except RuntimeError as e:
        log.append(f'error: {e}')
    try:
        asyncio.timeout(1).reschedule(None)
    except RuntimeError as e:
        log.append(f'error: {e}')

    async with asyncio.timeout(-1) as cm:
        log.append('body 8 ran')
    log.append(f'8 expired {cm.expired()}')

    try:
        async with asyncio.timeout(0.01) as outer:
            async with asyncio.timeout_at(outer.when()) as inner:
                await asyncio.sleep(1)
    except TimeoutError:
        log.append(f'nested: outer expired {outer.expired()}, inner expired {inner.expired()}')
    print(log)

asyncio.run(main())
