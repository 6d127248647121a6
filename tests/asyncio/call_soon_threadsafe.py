# On the loop's own thread, call_soon_threadsafe is call_soon: FIFO with it
# (test_events.py's test_call_soon_threadsafe_same_thread), before the loop
# runs and while it does.
import asyncio

results = []
loop = asyncio.new_event_loop()

def callback(arg):
    results.append(arg)
    if len(results) >= 2:
        loop.stop()

loop.call_soon_threadsafe(callback, 'hello')
loop.call_soon(callback, 'world')
loop.run_forever()
loop.close()

async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(results.append, 'soon 1')
    loop.call_soon_threadsafe(results.append, 'threadsafe')
    loop.call_soon(results.append, 'soon 2')
    await asyncio.sleep(0)

asyncio.run(main())
print(results)
