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
            if v.metadata.plugin_data.plugin_name == "hparams":
                plugin = pb.HParamsPluginData()
                plugin.ParseFromString(v.metadata.plugin_data.content)
                which = plugin.WhichOneof("data")
                out["kind"] = "hparams." + which
                if which == "experiment":
                    out["hparams"] = {h.name: h.type for h in plugin.experiment.hparam_infos}
                    out["metrics"] = [m.name.tag for m in plugin.experiment.metric_infos]
                elif which == "session_start_info":
                    out["values"] = {k: getattr(val, val.WhichOneof("kind"))
                                     for k, val in plugin.session_start_info.hparams.items()}
                else:
                    out["status"] = plugin.session_end_info.status
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
