"""In-process inference throughput: the server's path versus a bare forward pass of the same model, same batch, same
run (random weights; no download).

Models: a ViT-B/32-sized CLIP (`openai/clip-vit-base-patch32`'s config, written to disk in the Hugging Face layout
and loaded by the production loader) and an ImageBind-sized encoder (`imagebind_huge`, or `--bind-scale tiny`).
For each modality three paths are timed on the same items:
- `bare`: the model's forward pass on the preprocessed batch (inference mode, the runtime's precision), in chunks of
  the maximum batch, plus the copy of the vectors back to the CPU;
- `model path`: the same tensors through `LocalInference.vectors` (the batcher and the runtime);
- `import path`: what the server does for a batch: `LocalInference.vectorize` on the container JSON (base64
  decode, the media package's preprocessing, batching, forward), and `concurrent`: one request per item from
  `--clients` threads at once, as Weaviate's clients send them (one object per request), batched dynamically.
Ratios are items/s of a path over bare. Audio and video need PyAV for their media; without it only their model path
is timed.

  .venv/bin/python bench/inference_bench.py                         # CPU, small counts
  python3 bench/inference_bench.py --device cuda --items 256        # a GPU machine (ENABLE_CUDA=1 equivalent)
"""

from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import io
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weavebind.vectorizers.models.clip_model import ClipConfig, ClipModel  # noqa: E402
from weavebind.vectorizers.models.imagebind_backend import BindBackend  # noqa: E402
from weavebind.vectorizers.models.imagebind_model import ImageBindConfig, ImageBindModel  # noqa: E402
from weavebind.vectorizers.models.local import LocalInference  # noqa: E402
from weavebind.vectorizers.models.options import ModelOptions  # noqa: E402

TINY_BIND = {"vision": (64, 2, 16), "text": (64, 2, 16), "audio": (48, 2, 12), "depth": (32, 2, 8),
             "thermal": (48, 2, 12), "imu": (32, 2, 8)}
MEDIA_KEYS = {"multi2vec-clip": ("texts", "images"),
              "multi2vec-bind": ("texts", "images", "audio", "video", "imu", "thermal", "depth")}


# -- synthetic media ---------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def image(i: int, mode: str = "RGB", size: tuple[int, int] = (640, 480)) -> str:
    from PIL import Image

    rng = np.random.default_rng(i)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(out, format="JPEG", quality=90)
    return _b64(out.getvalue())


def audio(i: int, seconds: float = 5.0, rate: int = 44100) -> str:
    import wave

    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * (220 + 20 * i) * t) * 32767).astype(np.int16)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return _b64(out.getvalue())


def video(i: int, seconds: int = 4, fps: int = 15) -> str:
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 480, 272, "yuv420p"
        rng = np.random.default_rng(i)
        for _ in range(seconds * fps):
            frame = rng.integers(0, 255, (272, 480, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return _b64(out.getvalue())


def imu(i: int) -> str:
    rows = np.random.default_rng(i).standard_normal((2000, 6))
    return _b64(("gyro_x,gyro_y,gyro_z,accl_x,accl_y,accl_z\n" + "\n".join(
        ",".join(f"{v:.4f}" for v in row) for row in rows)).encode())


MAKERS = {"texts": lambda i: f"a photo number {i} of a small dog playing in the snow with a red ball",
          "images": image, "audio": audio, "video": video, "imu": imu,
          "thermal": lambda i: image(i, "L"), "depth": lambda i: image(i + 1000, "L")}


# -- models --------------------------------------------------------------------------------------------------
@torch.no_grad()
def randomize_(model: torch.nn.Module) -> torch.nn.Module:
    """Random weights generated on the model's device (ImageBind-sized models are 1.2 B parameters)."""
    for name, tensor in model.state_dict(keep_vars=True).items():
        if tensor.is_floating_point() and not name.endswith(("log_logit_scale", ".mask")):
            tensor.normal_(0.0, 0.02)
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):
            module.weight.add_(1.0)
    return model.eval()


def clip_inference(options: ModelOptions, workdir: Path) -> LocalInference:
    from safetensors.torch import save_file

    config = {"model_type": "clip", "projection_dim": 512, "text_config": {"eos_token_id": 2}, "vision_config": {}}
    model = randomize_(ClipModel(ClipConfig.from_dict(config)))
    (workdir / "config.json").write_text(json.dumps(config))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(workdir / "model.safetensors"))
    inference = LocalInference("multi2vec-clip", dataclasses.replace(options, clip_model_name=str(workdir)))
    inference.load()
    return inference


def bind_inference(options: ModelOptions, scale: str) -> LocalInference:
    config = ImageBindConfig() if scale == "huge" else ImageBindConfig(dict(TINY_BIND), 1024)
    with torch.device(options.device):
        model = randomize_(ImageBindModel(config))
    inference = LocalInference("multi2vec-bind", options,
                               backend_factory=lambda opts, media: BindBackend(opts, media, model=model))
    inference.load()
    return inference


# -- timing --------------------------------------------------------------------------------------------------
def timed(fn, repeat: int, device: torch.device) -> float:
    """Best of `repeat` wall times after one warm-up (the device synchronised around each)."""
    fn()
    times = []
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times)


def bare_forward(inference: LocalInference, key: str, batch: torch.Tensor) -> torch.Tensor:
    """The model on the batch in chunks of the maximum batch: inputs to the device, vectors back to the CPU."""
    encoder = inference._backend.encoders[key]
    step = max(1, inference.options.max_batch // encoder.clips)
    return torch.cat([encoder.forward(batch[i:i + step]) for i in range(0, len(batch), step)])


def measure(inference: LocalInference, key: str, count: int, repeat: int, clients: int) -> dict:
    row = {"model": inference.module, "modality": key, "items": count}
    device = inference._backend.runtime.device
    try:
        items = [MAKERS[key](i) for i in range(count)]
        batch = inference._prepare(key, items)
    except Exception as exc:  # noqa: BLE001 - e.g. no PyAV for audio/video: time the model on random inputs
        shape = inference._backend.encoders[key].item_shape
        batch, items = torch.randn(count, *shape), None
        row["note"] = f"media not timed ({type(exc).__name__}: {str(exc)[:80]})"
    row["bare"] = count / timed(lambda: bare_forward(inference, key, batch), repeat, device)
    row["model_path"] = count / timed(lambda: inference.vectors(key, batch), repeat, device)
    if items is not None:
        row["import_path"] = count / timed(lambda: inference.vectorize({key: items}), repeat, device)
        with ThreadPoolExecutor(clients) as pool:
            one_each = lambda: list(pool.map(lambda item: inference.vectorize({key: [item]}), items))  # noqa: E731
            row["concurrent"] = count / timed(one_each, repeat, device)
    return row


def device_parity(options: ModelOptions) -> dict[str, float]:
    """Largest |difference| between the CPU's vectors and the device's, per request key (a small ImageBind)."""
    model = randomize_(ImageBindModel(ImageBindConfig(dict(TINY_BIND), 1024)))
    runs = {}
    for opts in (dataclasses.replace(options, enable_cuda=False), options):
        inference = LocalInference("multi2vec-bind", opts, backend_factory=lambda o, media: BindBackend(
            o, media, model=copy.deepcopy(model)))
        inference.load()
        generator = torch.Generator().manual_seed(0)
        runs[opts.device] = {key: inference.vectors(key, _random_batch(inference, key, generator))
                             for key in MEDIA_KEYS["multi2vec-bind"]}
        inference.close()
    cpu, device = runs["cpu"], runs[options.device]
    return {key: float((cpu[key] - device[key]).abs().max()) for key in cpu}


def _random_batch(inference: LocalInference, key: str, generator: torch.Generator) -> torch.Tensor:
    if key == "texts":
        return inference._backend.encoders[key].prepare(["a dog", "a photo of a red car in the snow"])
    return torch.randn(2, *inference._backend.encoders[key].item_shape, generator=generator)


def report(rows: list[dict]) -> str:
    lines = ["| model | modality | items | bare items/s | model path | import path | concurrent, 1 per request |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[n]:.1f} ({r[n] / r['bare']:.0%})" if n in r else "n/a"
                 for n in ("model_path", "import_path", "concurrent")]
        lines.append(f"| {r['model']} | {r['modality']} | {r['items']} | {r['bare']:.1f} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--precision", default="float32", choices=("float32", "float16", "bfloat16"))
    parser.add_argument("--items", type=int, default=16, help="images and texts per measurement")
    parser.add_argument("--bind-items", type=int, default=2, help="ImageBind items per measurement (video: half)")
    parser.add_argument("--bind-scale", default="huge", choices=("huge", "tiny"))
    parser.add_argument("--models", default="clip,bind")
    parser.add_argument("--keys", default=",".join(MEDIA_KEYS["multi2vec-bind"]), help="request keys to time")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--parity", action="store_true", help="first compare the device's vectors with the CPU's")
    args = parser.parse_args()
    options = ModelOptions(enable_cuda=args.device == "cuda", precision=args.precision, max_wait_s=0.002,
                           max_batch=max(args.items, 32), models_path=Path("/nonexistent"))
    if args.parity:
        print("max |device - cpu| per key:", json.dumps(device_parity(options)), flush=True)
    rows = []
    if "clip" in args.models:
        with tempfile.TemporaryDirectory() as workdir:
            inference = clip_inference(options, Path(workdir))
        rows += [measure(inference, key, args.items, args.repeat, args.clients)
                 for key in MEDIA_KEYS[inference.module] if key in args.keys.split(",")]
        inference.close()
    if "bind" in args.models:
        inference = bind_inference(options, args.bind_scale)
        for key in (k for k in MEDIA_KEYS["multi2vec-bind"] if k in args.keys.split(",")):
            count = max(1, args.bind_items // 2) if key == "video" else args.bind_items
            rows.append(measure(inference, key, count, args.repeat, args.clients))
            print(report(rows[-1:]).splitlines()[-1], flush=True)
        inference.close()
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"\n{device}, torch {torch.__version__}, {args.precision}, ImageBind {args.bind_scale}\n\n{report(rows)}")
    if args.out:
        args.out.write_text(json.dumps({"device": device, "args": {k: str(v) for k, v in vars(args).items()},
                                        "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
