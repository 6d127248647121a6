# A TaskGroup: the first failure cancels the other tasks (their finally
# blocks run), and the group raises every error together.
import asyncio

async def main():
    log = []

    async def fails():
        await asyncio.sleep(0.01)
        log.append('fails-raise')
        raise ValueError('boom')

    async def slow():
        try:
            await asyncio.sleep(3600)
        finally:
            log.append('slow-finally')

    async def quick():
        log.append('quick-done')
        return 1

    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fails())
            tg.create_task(slow())
            tg.create_task(quick())
            log.append('body-end')
    except* ValueError as group:
        log.append(f'caught-{len(group.exceptions)}')
    print(log)

asyncio.run(main())
