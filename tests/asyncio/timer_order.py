# A task woken by a timer resumes one turn after the timer's callbacks:
# asyncio.sleep is call_at(when, fut.set_result), and setting the result
# schedules the task's next step with call_soon.
import asyncio

async def main():
    log = []
    loop = asyncio.get_running_loop()
    when = loop.time() + 0.01
    fut = loop.create_future()
    loop.call_at(when, fut.set_result, None)  # the sleeper's timer, set first

    async def sleeper():
        await fut
        log.append('sleeper')

    t = asyncio.create_task(sleeper())
    loop.call_at(when, log.append, 'callback')
    await t
    print(log)

asyncio.run(main())
