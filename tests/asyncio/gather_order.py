# gather runs its children concurrently and returns results in argument
# order; with return_exceptions=True every outcome comes back.
import asyncio

async def child(name, delay, log, fail=False):
    log.append(f'{name}-start')
    await asyncio.sleep(delay)
    log.append(f'{name}-end')
    if fail:
        raise ValueError(name)
    return name

async def main():
    log = []
    results = await asyncio.gather(child('a', 0.03, log), child('b', 0.01, log), child('c', 0.02, log))
    log.append(f'results-{",".join(results)}')
    outcomes = await asyncio.gather(child('d', 0.01, log, fail=True), child('e', 0.02, log), return_exceptions=True)
    log.append('outcomes-' + ','.join('err' if isinstance(o, Exception) else o for o in outcomes))
    print(log)

asyncio.run(main())
