#!/usr/bin/python3
"""Decodes a TensorBoard event file with protoc's Python code for tensorboard_subset.proto and
prints one JSON line per summary value: step, tag, kind and what that kind holds.

  tensorboard_events.py EVENTS_FILE WORK_FOLDER
"""
import json
import os
import struct
import subprocess
import sys


def main():
    events, work = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["protoc", f"--proto_path={here}", f"--python_out={work}", "tensorboard_subset.proto"], check=True)
    sys.path.insert(0, work)
    import tensorboard_subset_pb2 as pb

    data = open(events, "rb").read()
    at = 0
    while at < len(data):
        (length,) = struct.unpack_from("<Q", data, at)
        payload = data[at + 12 : at + 12 + length]
        at += 12 + length + 4
        event = pb.Event()
        event.ParseFromString(payload)
        if not event.HasField("summary"):
            continue
        for v in event.summary.value:
            kind = v.WhichOneof("value")
            out = {"step": event.step, "tag": v.tag, "kind": kind}
            if kind == "simple_value":
                out["value"] = v.simple_value
            elif kind == "image":
                img = v.image
                out.update(width=img.width, height=img.height, colorspace=img.colorspace,
                           png=img.encoded_image_string[:8] == b"\x89PNG\r\n\x1a\n")
            elif kind == "histo":
                h = v.histo
                out.update(num=h.num, min=h.min, max=h.max, buckets=len(h.bucket),
                           counted=sum(h.bucket), limits=len(h.bucket_limit))
            print(json.dumps(out))


if __name__ == "__main__":
    main()
