# A task cancelled while it takes the lock back after a notification passes
# the notification on (CPython 3.13's test_locks.py, ConditionTests.
# test_cancelled_wakeup_relock). Expected output: CPython 3.13; 3.11 loses
# the wake-up here and prints ['main timed out', 'state 1'].
import asyncio

async def main():
    condition = asyncio.Condition()
    state = 0
    log = []

    async def consumer(name):
        nonlocal state
        async with condition:
            while True:
                await condition.wait_for(lambda: state != 0)
                if state < 0:
                    return
                state -= 1
                log.append(f'{name} took the item')

    c = [asyncio.create_task(consumer(n)) for n in ('c0', 'c1')]
    await asyncio.sleep(0)
    async with condition:
        state += 1
        condition.notify(1)
        await asyncio.sleep(0)  # c0 wakes and waits for the lock
        c[0].cancel()
        try:
            async with asyncio.timeout(0.01):
                await condition.wait_for(lambda: state == 0)
        except TimeoutError:
            log.append('main timed out')
        log.append(f'state {state}')
        state = -1
        condition.notify_all()
    await c[1]
    print(log)

asyncio.run(main())
