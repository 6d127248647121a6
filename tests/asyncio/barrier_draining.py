# A barrier that has tripped drains before it fills again (test_locks.py's
# BarrierTests: test_draining_state, test_blocking_tasks_while_draining,
# test_abort_barrier_when_tasks_half_draining_half_blocking,
# test_reset_barrier_while_tasks_draining): tasks arriving while it drains
# wait for the drain to end; an abort while it drains breaks the tasks
# released but not yet resumed, and those arriving; a reset while it drains
# breaks the released ones that have not resumed.
import asyncio

N = 5

async def main():
    log = []

    # Draining: the released tasks see it until the last one leaves.
    barrier = asyncio.Barrier(N)
    async def draining(name):
        i = await barrier.wait()
        log.append(f'{name} index {i} n_waiting {barrier.n_waiting} draining {"draining" in repr(barrier)}')
    await asyncio.gather(*(draining(f'd{n}') for n in range(N)))
    log.append(f'after drain: draining {"draining" in repr(barrier)}')

    # An arrival while the barrier drains waits for the next trip.
    barrier = asyncio.Barrier(2)
    async def twice(name):
        await barrier.wait()
        log.append(f'{name} released once')
        i = await barrier.wait()
        log.append(f'{name} released twice, index {i}')
    await asyncio.gather(twice('a'), twice('b'))

    # Abort while half the released tasks have resumed.
    barrier = asyncio.Barrier(N)
    resumed = 0
    async def abort_half(name):
        nonlocal resumed
        try:
            await barrier.wait()
        except asyncio.BrokenBarrierError:
            log.append(f'{name} broken before it resumed')
            return
        resumed += 1
        if resumed > N // 2:
            log.append(f'{name} aborts')
            await barrier.abort()
            return
        try:
            await barrier.wait()
        except asyncio.BrokenBarrierError:
            log.append(f'{name} broken while blocked')
    await asyncio.gather(*(abort_half(f'h{n}') for n in range(N)))
    log.append(f'broken {barrier.broken}, n_waiting {barrier.n_waiting}')

    # Reset while the barrier drains.
    barrier = asyncio.Barrier(3)
    resumed = 0
    async def reset_draining(name):
        nonlocal resumed
        try:
            await barrier.wait()
        except asyncio.BrokenBarrierError:
            log.append(f'{name} broken by the reset')
            return
        resumed += 1
        if resumed == 1:
            log.append(f'{name} resets')
            await barrier.reset()
        else:
            log.append(f'{name} passed')
    await asyncio.gather(*(reset_draining(f'r{n}') for n in range(3)))
    log.append(f'broken {barrier.broken}, n_waiting {barrier.n_waiting}')
    print(log)

asyncio.run(main())
