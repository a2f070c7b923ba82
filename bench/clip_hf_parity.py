"""Check weavebind's CLIP image preprocessing (Hugging Face layout) against transformers' fast CLIPImageProcessor,
which Weaviate's CLIP container uses. Needs torchvision beside torch, which the project's pinned CPU torch does not
allow, so it runs where both install (e.g. `pip install torch torchvision transformers pillow`):

    python bench/clip_hf_parity.py

Exits 1 when any value differs by more than 1e-6.
"""

from __future__ import annotations

import io
import sys

import numpy as np
import torch
from PIL import Image

from weavebind.vectorizers.media import preprocess_image_hf

SIZES = [(300, 400, 1), (1000, 37, 2), (513, 769, 3), (227, 224, 4), (640, 480, 6), (37, 1000, 7), (224, 224, 8)]


def main() -> int:
    try:  # transformers 4.x names the fast one apart; from 5.0 the default one is torchvision's
        from transformers import CLIPImageProcessorFast as Processor
    except ImportError:
        from transformers import CLIPImageProcessor as Processor
    processor = Processor()
    worst = 0.0
    for width, height, seed in SIZES:
        array = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, "PNG")
        ours = preprocess_image_hf(buffer.getvalue(), exif_transpose=False)
        reference = processor(images=Image.fromarray(array), return_tensors="pt")["pixel_values"][0]
        worst = max(worst, float((ours - reference).abs().max()))
    print(f"largest difference over {len(SIZES)} images: {worst:.3g}")
    return 0 if worst <= 1e-6 else 1


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    sys.exit(main())
