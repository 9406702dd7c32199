#!/usr/bin/env python3
"""Rewrites the jars of an OCI image's layers with their entries stored instead of deflated.

Usage: hack/store-jars.py OCI_LAYOUT_DIR TAG      (rewrites the image in the layout in place)
       hack/store-jars.py --dir DIR               (rewrites the jars in DIR, e.g. target/quarkus-app/lib/main)

Why: each layer is gzipped as a whole. Deflated jar entries (one class file each, a few KB) cannot share a dictionary,
where gzip over the stored class files of a layer finds the same names and signatures across files: the dependencies
layer of the operator shrinks by about a quarter. The JVM reads stored entries without inflating them. The entries,
their order, names, times and the jar's comment stay as they were; only the compression method changes.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile


def stored(jar_bytes):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(jar_bytes)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            copy.comment = info.comment
            copy.compress_type = zipfile.ZIP_STORED
            zout.writestr(copy, zin.read(info.filename))
        zout.comment = zin.comment
    return out.getvalue()


def rewrite_layer(blob):
    """The layer's tar with its jars stored, or None when it holds no jar."""
    src = tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob)), mode="r:")
    members = src.getmembers()
    if not any(m.isfile() and m.name.endswith(".jar") for m in members):
        return None
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=src.format) as dst:
        for member in members:
            if member.isfile():
                data = src.extractfile(member).read()
                if member.name.endswith(".jar"):
                    data = stored(data)
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
            else:
                dst.addfile(member)
    return out.getvalue()


def blob_path(layout, digest):
    algorithm, value = digest.split(":", 1)
    return os.path.join(layout, "blobs", algorithm, value)


def write_blob(layout, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob_path(layout, digest), "wb") as f:
        f.write(data)
    return digest


def rewrite_image(layout, tag):
    index_path = os.path.join(layout, "index.json")
    index = json.load(open(index_path))
    entry = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    manifest = json.load(open(blob_path(layout, entry["digest"])))
    config = json.load(open(blob_path(layout, manifest["config"]["digest"])))
    for i, layer in enumerate(manifest["layers"]):
        if "gzip" not in layer["mediaType"]:
            continue
        tar = rewrite_layer(open(blob_path(layout, layer["digest"]), "rb").read())
        if tar is None:
            continue
        compressed = gzip.compress(tar, compresslevel=9, mtime=0)
        before = layer["size"]
        layer["digest"] = write_blob(layout, compressed)
        layer["size"] = len(compressed)
        config["rootfs"]["diff_ids"][i] = "sha256:" + hashlib.sha256(tar).hexdigest()
        print(f"[store-jars] layer {i}: {before} -> {len(compressed)} bytes", file=sys.stderr)
    config_bytes = json.dumps(config).encode()
    manifest["config"]["digest"] = write_blob(layout, config_bytes)
    manifest["config"]["size"] = len(config_bytes)
    manifest_bytes = json.dumps(manifest).encode()
    entry["digest"] = write_blob(layout, manifest_bytes)
    entry["size"] = len(manifest_bytes)
    json.dump(index, open(index_path, "w"))


def rewrite_dir(directory):
    for name in sorted(os.listdir(directory)):
        if name.endswith(".jar"):
            path = os.path.join(directory, name)
            data = stored(open(path, "rb").read())
            with open(path, "wb") as f:
                f.write(data)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--dir":
        rewrite_dir(sys.argv[2])
    elif len(sys.argv) == 3:
        rewrite_image(sys.argv[1], sys.argv[2])
    else:
        sys.exit(__doc__)
