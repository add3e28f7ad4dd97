#!/usr/bin/env python3
"""Makes loopback-only servers reachable from the real node's pods: for each PORT given, it
listens on BRIDGE_IP:PORT and relays every connection to 127.0.0.1:PORT (the same port).
Used for servers that bind to one address only (kube-apiserver, Apicurio, Prometheus).

    bridge-forward.py BRIDGE_IP PORT...
"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def relay_to(port):
    async def handle(client_r, client_w):
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))

    return handle


async def main(ip, ports):
    servers = [await asyncio.start_server(relay_to(p), ip, p, reuse_address=True) for p in ports]
    print(f"relaying {ip}:{{{','.join(map(str, ports))}}} -> 127.0.0.1", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], [int(p) for p in sys.argv[2:]]))
