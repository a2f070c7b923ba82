"""IMU CSVs (transposed, where Weaviate reshapes) and the clip sampler shared by audio and video."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from tests.vectorizers.media import synth
from weavebind.vectorizers.media import MediaError, preprocess_imu
from weavebind.vectorizers.media.clips import clip_timepoints


def _value(row: int, column: int) -> float:
    return float(np.float32(f"{1000 * column + row / 1000:.3f}"))


@pytest.mark.parametrize("rows", [1500, 2000, 3072, 6000])  # Weaviate's sample files: pad, exact, truncate
def test_imu_is_transposed_padded_or_cut(rows):
    out = preprocess_imu(synth.imu_csv(rows))
    assert out.dtype == torch.float32 and out.shape == (6, 2000)
    kept = min(rows, 2000)
    for column in range(6):
        assert out[column, 0].item() == _value(0, column)
        assert out[column, kept - 1].item() == _value(kept - 1, column)
    assert out[:, kept:].eq(0).all()


def test_imu_fixes_weaviates_reshape():
    table = np.loadtxt(synth.imu_csv(10).decode().splitlines(), dtype=np.float32, delimiter=",", skiprows=1)
    weaviate = table.reshape((6, 10))  # bind_data.py: reshape((shape[1], shape[0])), not a transpose
    ours = preprocess_imu(synth.imu_csv(10))[:, :10].numpy()
    assert np.array_equal(ours, table.T)
    assert not np.array_equal(weaviate, table.T)
    assert np.array_equal(weaviate[0], table.reshape(-1)[:10])  # spec: row 0 = first values in row-major order


def test_imu_header_is_optional():
    with_header = preprocess_imu(synth.imu_csv(5))
    without = preprocess_imu(synth.imu_csv(5, header=False))
    assert torch.equal(with_header, without)
    assert preprocess_imu(b"\xef\xbb\xbf" + synth.imu_csv(3)).shape == (6, 2000)  # UTF-8 BOM


@pytest.mark.parametrize(
    ("csv", "reason"),
    [
        (b"gyro_x,gyro_y,gyro_z,accl_x,accl_y,accl_z\n", "no data rows"),
        (b"a,b,c\n1,2,3\n", "3 columns"),
        (b"h\n1,2,3,4,5,6\n1,2,3\n", "not rows of 6"),
        (b"h\n1,2,3,4,5,x\n", "not rows of 6"),
        (b"h\n1,2,3,4,5,nan\n", "not finite"),
        (b"\xff\xfe\x00\x01", "UTF-8"),
    ],
)
def test_bad_imu(csv, reason):
    with pytest.raises(MediaError, match=reason):
        preprocess_imu(csv)


def test_clip_timepoints_match_the_spec():
    assert clip_timepoints(5.0, 2, 3) == [(0, 2), (1, 3), (2, 4)]  # car_audio.wav: the last second is never used
    starts = [float(s) for s, _ in clip_timepoints(41_763 / 16000, 2, 3)]  # dog_audio.wav, 2.61 s
    assert starts == pytest.approx([0, 0.2034, 0.4068], abs=1e-4)
    video = [round(float(s), 3) for s, _ in clip_timepoints(Fraction(301, 30), 2, 5)]  # wind_noise.mp4, 10.033 s
    assert video == [0, 1.607, 3.213, 4.82, 6.427]
    assert clip_timepoints(1.2, 2, 3) == [(0, 2)] * 3
    start, end = clip_timepoints(Fraction(7, 3), 2, 5)[4]
    assert (start, end) == (Fraction(4, 15), Fraction(34, 15))
