# wait_for: on timeout the inner coroutine is cancelled and its finally
# block runs before wait_for raises.
import asyncio

async def main():
    log = []

    async def inner():
        try:
            await asyncio.sleep(3600)
        finally:
            log.append('inner-finally')

    try:
        await asyncio.wait_for(inner(), 0.01)
    except TimeoutError:
        log.append('timeout')
    print(log)

asyncio.run(main())
