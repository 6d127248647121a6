# Timeouts at their edges (CPython's test_timeouts.py and test_waitfor.py):
# a body whose own timer is due with the deadline loses; nested timeouts due
# at the same instant report at the outermost, with no code after the inner
# scope; a zero timeout expires at the body's first suspension, and a body
# that does not suspend wins.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    log = []

    when = loop.time() + 0.005
    try:
        async with asyncio.timeout_at(when):
            await asyncio.sleep(when - loop.time())
            log.append('tie: body')
    except TimeoutError:
        log.append('tie: timeout')

    try:
        async with asyncio.timeout(0.01) as outer:
            try:
                async with asyncio.timeout_at(outer.when()):
                    await asyncio.sleep(3600)
            finally:
                log.append('nested: inner exit')
            log.append('nested: after inner')
    except TimeoutError:
        log.append('nested: outer timeout')

    try:
        async with asyncio.timeout(0):
            await asyncio.sleep(0)
            log.append('zero: body')
    except TimeoutError:
        log.append('zero: timeout')

    try:
        async with asyncio.timeout(0):
            log.append('zero: no suspension')
    except TimeoutError:
        log.append('zero: timeout without suspension')

    try:
        await asyncio.wait_for(asyncio.sleep(3600), 0)
    except TimeoutError:
        log.append('wait_for zero: timeout')

    print(log)

asyncio.run(main())
