# Eager tasks (test_eager_task_factory.py): the first step runs inside
# create_task, up to the first suspension; a task that finishes there is done
# at once, yet its done callbacks still run on a later turn (call_soon); the
# rest of an eager task resumes in queue order like any task; a task created
# eagerly from inside another runs before its creator goes on.
# Expected output: CPython 3.13 (eager_task_factory is new in 3.12).
import asyncio

async def main():
    asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
    log = []

    async def quick():
        log.append('quick runs')
        return 1

    t = asyncio.create_task(quick())
    log.append(f'quick created, done {t.done()}')
    t.add_done_callback(lambda _: log.append('quick callback'))
    log.append('before a turn')
    await asyncio.sleep(0)
    log.append(f'quick result {t.result()}')

    async def two_steps(name):
        log.append(f'{name} step 1')
        await asyncio.sleep(0)
        log.append(f'{name} step 2')

    a = asyncio.create_task(two_steps('a'))
    b = asyncio.create_task(two_steps('b'))
    log.append('a and b created')
    await asyncio.gather(a, b)

    async def parent():
        log.append('parent starts')
        child = asyncio.create_task(quick())
        log.append(f'parent goes on, child done {child.done()}')
        return await child

    log.append(f'parent result {await asyncio.create_task(parent())}')
    print(log)

asyncio.run(main())
