# A small crawler: workers take URLs from a queue, at most two fetches run at
# once, slow fetches time out, and a report is printed at the end.
import asyncio

DELAYS = {'a': 0.03, 'b': 0.01, 'c': 0.5, 'd': 0.02, 'e': 0.04, 'f': 0.01}
LINKS = {'a': ['d', 'e'], 'b': ['f'], 'c': [], 'd': [], 'e': ['a'], 'f': []}

async def fetch(url, limit, log):
    async with limit:
        log.append(f'fetch {url}')
        await asyncio.sleep(DELAYS[url])
        return LINKS[url]

async def worker(name, queue, seen, limit, log, results):
    while True:
        url = await queue.get()
        try:
            async with asyncio.timeout(0.1):  # in place, as wait_for is from 3.12 on
                links = await fetch(url, limit, log)
        except TimeoutError:
            log.append(f'{name}: {url} timed out')
            results[url] = 'timeout'
        else:
            log.append(f'{name}: {url} -> {links}')
            results[url] = len(links)
            for link in links:
                if link not in seen:
                    seen.add(link)
                    queue.put_nowait(link)
        finally:
            queue.task_done()

async def main():
    log, results = [], {}
    queue = asyncio.Queue()
    limit = asyncio.Semaphore(2)
    seen = {'a', 'b', 'c'}
    for url in ['a', 'b', 'c']:
        queue.put_nowait(url)
    workers = [asyncio.create_task(worker(f'w{i}', queue, seen, limit, log, results))
               for i in range(3)]
    await queue.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    for line in log:
        print(line)
    print(sorted(results.items()))

asyncio.run(main())
