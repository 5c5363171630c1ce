#!/usr/bin/env python3
"""A counting TCP proxy for the round-trip pass of bench/run (never on the measured path).

    turns.py LISTEN_PORT TARGET_HOST TARGET_PORT COUNT_FILE

Forwards every connection to the target and counts round trips: a round trip starts each
time the client sends after having received (or sends first), so a pipeline, a MULTI/EXEC
block written at once, or several commands multiplexed before a reply count as one, and a
Lua script as one. The running total is written to COUNT_FILE after every round trip.
"""

import asyncio
import os
import sys

LISTEN, HOST, PORT, OUT = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
total = 0


def publish():
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{total}\n")
    os.replace(tmp, OUT)


async def handle(client_r, client_w):
    global total
    try:
        server_r, server_w = await asyncio.open_connection(HOST, PORT)
    except OSError:
        client_w.close()
        return
    state = {"replied": True}

    async def up():
        global total
        while True:
            data = await client_r.read(65536)
            if not data:
                break
            if state["replied"]:
                state["replied"] = False
                total += 1
                publish()
            server_w.write(data)
            await server_w.drain()
        server_w.close()

    async def down():
        while True:
            data = await server_r.read(65536)
            if not data:
                break
            state["replied"] = True
            client_w.write(data)
            await client_w.drain()
        client_w.close()

    await asyncio.gather(up(), down(), return_exceptions=True)


async def main():
    publish()
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    async with server:
        await server.serve_forever()


asyncio.run(main())
