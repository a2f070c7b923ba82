"""IMU recordings for ImageBind's IMU encoder: a CSV of N rows x 6 columns to `float32[6, 2000]`.

Weaviate's BIND container (`bind_data.py`, `load_and_transform_imu_data`) reads the CSV with
`np.loadtxt(path, float32, delimiter=',', skiprows=1)`, giving `(N, 6)`, and then calls
`reshape((6, N))`. A reshape is not a transpose: it reinterprets the row-major buffer, so row 0 of its result is
the first N values of the file read row by row (`gyro_x, gyro_y, ..., accl_z, gyro_x, ...`), mixing the six
sensors in every channel. ImageBind's IMU stem expects one sensor axis per channel (channels x time), so we
**transpose** instead: row c is column c of the CSV. This is the one place where our vectors differ from Weaviate's
on purpose; the time axis is then zero-padded on the right or truncated to 2000 samples as there.

The first line is skipped when it is a header (not numbers), as the sample files' `gyro_x,gyro_y,gyro_z,accl_x,
accl_y,accl_z`; a file whose first line is data keeps it (Weaviate's container drops it).
"""

from __future__ import annotations

import io

import numpy as np
import torch

from weavebind.vectorizers.limits import DEFAULT_LIMITS, MediaLimits
from weavebind.vectorizers.media.bounds import bound
from weavebind.vectorizers.media.errors import MediaError, require_bytes

IMU_CHANNELS = 6
IMU_SAMPLES = 2000


def _first_line_is_header(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        [float(cell) for cell in first.split(",")]
    except ValueError:
        return True
    return False


def _parse_csv(data: bytes, limits: MediaLimits) -> np.ndarray:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MediaError("imu", "is not a UTF-8 text CSV file") from None
    skip = 1 if _first_line_is_header(text) else 0
    lines = [line for line in text.splitlines() if line.strip()][skip:]
    if not lines:
        raise MediaError("imu", "the CSV has no data rows; expected a header and rows of 6 comma-separated numbers")
    rows = len(lines)
    bound("imu", limits, "max_samples", rows * IMU_CHANNELS, f"{rows:,} rows x 6 columns is a value count of")
    try:
        values = np.loadtxt(io.StringIO("\n".join(lines)), dtype=np.float32, delimiter=",", ndmin=2)
    except ValueError as exc:
        raise MediaError("imu", f"the CSV is not rows of 6 comma-separated numbers ({exc})") from None
    if values.shape[1] != IMU_CHANNELS:
        raise MediaError("imu", f"the CSV has {values.shape[1]} columns; expected 6 (gyro x/y/z, accelerometer x/y/z)")
    if not np.isfinite(values).all():
        raise MediaError("imu", "the CSV contains values that are not finite numbers (nan or inf)")
    return values


def preprocess_imu(data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> torch.Tensor:
    """CSV bytes (optional header line, then N rows of 6 comma-separated numbers) to `float32[6, 2000]`:
    the transpose of the (N, 6) table, zero-padded on the right or cut to 2000 time steps. No normalisation
    (the reference applies none). `MediaError` for a file over `limits` (its values, counted before parsing)."""
    values = _parse_csv(require_bytes(data, "imu"), limits)
    channels = torch.from_numpy(np.ascontiguousarray(values.T))[:, :IMU_SAMPLES]
    if channels.shape[1] < IMU_SAMPLES:
        channels = torch.nn.functional.pad(channels, (0, IMU_SAMPLES - channels.shape[1]))
    return channels.contiguous()
