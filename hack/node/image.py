#!/usr/bin/env python3
"""Packs a root filesystem into a docker-archive image tarball (what `ctr images import` and
`docker load` read), with no container engine: one layer holding the given binaries, the shared
libraries `ldd` lists for them, the CA certificates, a non-root user and /tmp.

    image.py --tag schemashift.local/operator:dev --out operator.tar \
        --binary build/bin/schemashift-operator:/usr/local/bin/schemashift-operator \
        --entrypoint /usr/local/bin/schemashift-operator [--file SRC:DEST]... [--user 65532]

The layer is reproducible (fixed mtimes, sorted entries), so the same inputs give the same
image id.
"""
import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def shared_libraries(binary):
    """Absolute paths of the libraries `ldd` resolves for binary (none for a static one)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if out.returncode != 0:  # "not a dynamic executable"
        return []
    libs = []
    for line in out.stdout.splitlines():
        if "not found" in line:
            sys.exit(f"image.py: {binary} needs a library ldd cannot find: {line.strip()}")
        m = re.search(r"(/\S+)\s+\(0x", line)
        if m:
            libs.append(m.group(1))
    return libs


def add_dir(tar, path, mode=0o755, owner=0):
    info = tarfile.TarInfo(path.lstrip("/"))
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, 0
    info.uid = info.gid = owner
    tar.addfile(info)


def add_bytes(tar, path, data, mode=0o644):
    info = tarfile.TarInfo(path.lstrip("/"))
    info.size, info.mode, info.mtime = len(data), mode, 0
    tar.addfile(info, io.BytesIO(data))


def layer_bytes(files, uid):
    """files: {dest: src path or bytes}. Returns the layer tar's bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = {"/tmp", "/etc", "/home/app"}
        for dest in files:
            d = os.path.dirname(dest)
            while d and d != "/":
                dirs.add(d)
                d = os.path.dirname(d)
        for d in sorted(dirs):
            add_dir(tar, d, 0o1777 if d == "/tmp" else 0o755, uid if d == "/home/app" else 0)
        for dest in sorted(files):
            src = files[dest]
            if isinstance(src, bytes):
                add_bytes(tar, dest, src)
            else:
                with open(os.path.realpath(src), "rb") as f:
                    data = f.read()
                mode = os.stat(os.path.realpath(src)).st_mode & 0o777
                add_bytes(tar, dest, data, mode)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--entrypoint", required=True)
    ap.add_argument("--binary", action="append", default=[], help="SRC:DEST, libraries included")
    ap.add_argument("--file", action="append", default=[], help="SRC:DEST, copied as is")
    ap.add_argument("--user", type=int, default=65532)
    ap.add_argument("--root", action="store_true", help="run as root (the pause image needs no user)")
    a = ap.parse_args()

    files = {}
    scratch = tempfile.mkdtemp(prefix="image-py-")
    for spec in a.binary:
        src, dest = spec.split(":", 1)
        # Debug information stays on the host: the image gets a stripped copy.
        stripped = os.path.join(scratch, os.path.basename(dest))
        subprocess.run(["objcopy", "--strip-debug", src, stripped], check=True)
        files[dest] = stripped
        for lib in shared_libraries(src):
            files[lib] = lib
    for spec in a.file:
        src, dest = spec.split(":", 1)
        files[dest] = src
    if os.path.exists(CA_BUNDLE):
        files[CA_BUNDLE] = CA_BUNDLE
    u = a.user
    files["/etc/passwd"] = f"root:x:0:0:root:/root:/sbin/nologin\napp:x:{u}:{u}:app:/home/app:/sbin/nologin\n".encode()
    files["/etc/group"] = f"root:x:0:\napp:x:{u}:\n".encode()
    files["/etc/nsswitch.conf"] = b"hosts: files dns\npasswd: files\ngroup: files\n"
    layer = layer_bytes(files, u)
    diff_id = hashlib.sha256(layer).hexdigest()

    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Entrypoint": [a.entrypoint],
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/app"],
            "WorkingDir": "/",
            **({} if a.root else {"User": f"{u}:{u}"}),
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created_by": "hack/node/image.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_id = hashlib.sha256(config_bytes).hexdigest()
    manifest = [{"Config": f"{config_id}.json", "RepoTags": [a.tag], "Layers": [f"{diff_id}/layer.tar"]}]

    tmp = a.out + ".tmp"
    with tarfile.open(tmp, mode="w") as out:
        add_bytes(out, f"{config_id}.json", config_bytes)
        add_dir(out, diff_id)
        add_bytes(out, f"{diff_id}/layer.tar", layer)
        add_bytes(out, "manifest.json", json.dumps(manifest).encode())
        add_bytes(out, "repositories", json.dumps({a.tag.rsplit(":", 1)[0]: {a.tag.rsplit(":", 1)[1]: diff_id}}).encode())
    os.replace(tmp, a.out)
    for f in os.listdir(scratch):
        os.unlink(os.path.join(scratch, f))
    os.rmdir(scratch)
    print(f"{a.tag} -> {a.out} ({len(layer) // 1024} KiB layer)")


if __name__ == "__main__":
    main()
