import asyncio
async def fail(i):
    raise ValueError(i)
async def fail_after_yield(i, ev):
    await ev.wait()
    raise ValueError(i)
async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(3): tg.create_task(fail(i))
    except* ValueError as g:
        print('immediate', [e.args[0] for e in g.exceptions])
    ev = asyncio.Event()
    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(3): tg.create_task(fail_after_yield(i, ev))
            await asyncio.sleep(0)
            ev.set()
    except* ValueError as g:
        print('same turn', [e.args[0] for e in g.exceptions])
asyncio.run(main())
