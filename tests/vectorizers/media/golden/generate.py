"""Regenerates the golden files in this folder from the reference implementations. Not a test: run by hand in a
throwaway environment (torchaudio, torchvision and pytorchvideo cannot be installed beside weavebind's torch):

    python3 -m venv /tmp/ref
    /tmp/ref/bin/pip install torch==2.13.0 torchvision==0.28.0 'setuptools<81' numpy av pillow ftfy regex \
        iopath fvcore timm einops transformers tokenizers soundfile
    /tmp/ref/bin/pip install --no-deps torchaudio==2.11.0 open_clip_torch==3.3.0 pytorchvideo==0.1.5 \
        imagebind-unofficial==0.1.1
    rm /tmp/ref/lib/python3.11/site-packages/torchaudio/lib/*.so   # built for another torch; fbank/resample are
    /tmp/ref/bin/python tests/vectorizers/media/golden/generate.py  # pure Python and need none of it

References: `imagebind-unofficial` 0.1.1 is byte-identical to ImageBind HEAD 53680b02 (tokenizer with the EOS fix,
`load_and_transform_vision_data`, `load_and_transform_audio_data`, `SpatialCrop`); the video loader is Weaviate's
BIND `_load_and_transform_video_data` (pytorchvideo's PyAV `EncodedVideo`), copied below; torchaudio 2.11's
`compliance.kaldi.fbank` and `functional.resample`; open_clip 3.3's tokenizer; transformers' `CLIPTokenizerFast`
built from the same vocabulary file. `torchaudio.load` needs FFmpeg libraries here, so WAVs are read with
soundfile (the same float32 scaling).
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.library

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))

from tests.vectorizers.media import golden_cases as cases  # noqa: E402
from tests.vectorizers.media import synth  # noqa: E402


def _import_references():
    """torchvision's C ops do not load beside the CPU torch wheel (only its PIL transforms are used), and
    pytorchvideo 0.1.5 imports a module torchvision renamed."""
    original = torch.library.register_fake
    torch.library.register_fake = lambda *a, **k: (lambda f: f)
    import torchvision.transforms._functional_tensor as functional_tensor

    torch.library.register_fake = original
    sys.modules["torchvision.transforms.functional_tensor"] = functional_tensor


def _tmp(data: bytes, suffix: str) -> str:
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    handle.write(data)
    handle.close()
    return handle.name


def tokens() -> dict:
    import imagebind.data
    import open_clip
    from imagebind.data import return_bpe_path
    from transformers import CLIPTokenizerFast

    ib = imagebind.data.load_and_transform_text(synth.TEXTS, "cpu")
    oc = open_clip.get_tokenizer("ViT-B-32")(synth.TEXTS)
    for text, a, b in zip(synth.TEXTS, ib, oc, strict=True):
        if not torch.equal(a, b):  # open_clip does not read special tokens typed in the text; ImageBind does
            print("open_clip differs from ImageBind on", repr(text))
    merges = gzip.open(return_bpe_path()).read().decode("utf-8").split("\n")[1 : 49152 - 256 - 2 + 1]
    from imagebind.models.multimodal_preprocessors import SimpleTokenizer

    encoder = SimpleTokenizer(return_bpe_path()).encoder
    pairs = [tuple(merge.split()) for merge in merges]
    hf = CLIPTokenizerFast(vocab=encoder, merges=pairs)  # transformers 5: the tokenizers-backed CLIP tokenizer
    hf_ids = hf(synth.TEXTS, padding="max_length", truncation=True, max_length=77, return_tensors="pt")
    ids_hf, mask_hf = hf_ids["input_ids"], hf_ids["attention_mask"]
    return {
        "texts": synth.TEXTS,
        "imagebind": [row[row != 0].tolist() for row in ib],
        "hf": [ids[mask == 1].tolist() for ids, mask in zip(ids_hf, mask_hf, strict=True)],
    }


def kaldi_arrays() -> dict[str, np.ndarray]:
    import torchaudio.functional
    from torchaudio.compliance import kaldi

    out = {}
    wave = torch.from_numpy(synth.tone(0.5, 16000).astype(np.float32))
    out["fbank"] = kaldi.fbank(wave, **cases.FBANK_KWARGS).numpy()
    for rate in cases.RESAMPLE_RATES:
        signal = torch.from_numpy(synth.tone(0.1, rate, channels=2).astype(np.float32))
        out[f"resample_{rate}"] = torchaudio.functional.resample(signal, rate, 16000).numpy()
    return out


def audio_arrays() -> dict[str, np.ndarray]:
    import imagebind.data
    import soundfile
    import torchaudio

    def load(path):
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        return torch.from_numpy(data.T.copy()), rate

    torchaudio.load = load
    out = {}
    for name, (seconds, rate, channels) in cases.AUDIO_CASES.items():
        path = _tmp(synth.wav_bytes(synth.tone(seconds, rate, channels), rate), ".wav")
        out[name] = imagebind.data.load_and_transform_audio_data([path], "cpu")[0][cases.AUDIO_SLICE].numpy()
    return out


def image_arrays() -> dict[str, np.ndarray]:
    import imagebind.data
    from PIL import Image
    from torchvision import transforms

    out = {}
    for name, make in cases.IMAGE_CASES.items():
        path = _tmp(synth.png_bytes(make()), ".png")
        out[name] = imagebind.data.load_and_transform_vision_data([path], "cpu")[0][cases.IMAGE_SLICE].numpy()
    gray = transforms.Compose(
        [
            transforms.Resize(224, interpolation=transforms.InterpolationMode.BICUBIC),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(mean=(0.48145466), std=(0.26862954)),
        ]
    )
    for name, make in cases.GRAY_CASES.items():
        image = Image.open(_tmp(synth.png_bytes(make()), ".png"))
        image = image.convert("L") if image.mode != "L" else image  # Weaviate BIND `_load_and_transform_vision_data`
        out[name] = gray(image)[cases.IMAGE_SLICE].numpy()
    return out


def bind_video(video_path: str) -> torch.Tensor:
    """Weaviate BIND `bind_data._load_and_transform_video_data` for one file (NormalizeVideo from ImageBind HEAD,
    the same code as torchvision's `_transforms_video.NormalizeVideo` that BIND imports)."""
    from imagebind import data
    from pytorchvideo import transforms as pv_transforms
    from pytorchvideo.data.clip_sampling import ConstantClipsPerVideoSampler
    from pytorchvideo.data.encoded_video import EncodedVideo
    from torchvision import transforms

    video_transform = transforms.Compose(
        [
            pv_transforms.ShortSideScale(224),
            data.NormalizeVideo(
                mean=(0.48145466, 0.4578275, 0.40821073),
                std=(0.26862954, 0.26130258, 0.27577711),
            ),
        ]
    )
    clip_sampler = ConstantClipsPerVideoSampler(clip_duration=2, clips_per_video=5)
    frame_sampler = pv_transforms.UniformTemporalSubsample(num_samples=2)
    video = EncodedVideo.from_path(video_path, decode_audio=False)
    all_video = []
    for start, end in data.get_clip_timepoints(clip_sampler, video.duration):
        clip = video.get_clip(start, end)
        if clip is None:
            raise ValueError("No clip found")
        all_video.append(frame_sampler(clip["video"]) / 255.0)
    all_video = [video_transform(clip) for clip in all_video]
    return torch.stack(data.SpatialCrop(224, num_crops=3)(all_video), dim=0)


def video_arrays() -> dict[str, np.ndarray]:
    out = {}
    for name, kwargs in cases.VIDEO_CASES.items():
        path = _tmp(synth.encode_video(**kwargs), ".bin")
        out[name] = bind_video(path)[cases.VIDEO_SLICE].numpy()
    return out


def main() -> None:
    _import_references()
    (HERE / "tokens.json").write_text(json.dumps(tokens(), ensure_ascii=False, indent=0) + "\n")
    for group in (kaldi_arrays, audio_arrays, image_arrays, video_arrays):
        for name, array in group().items():
            np.save(HERE / f"{name}.npy", array.astype(np.float32))
            print(name, array.shape)


if __name__ == "__main__":
    main()
