"""`MediaError` for every kind of bad payload, and base64 decoding of the wire format."""

from __future__ import annotations

import base64

import pytest

from tests.vectorizers.media import synth
from weavebind.vectorizers.media import (
    PREPROCESSORS,
    MediaError,
    decode_base64,
    preprocess_audio,
    preprocess_video,
)


def test_media_error_is_a_value_error_with_the_modality():
    error = MediaError("audio", "the file has no audio stream")
    assert isinstance(error, ValueError)
    assert error.modality == "audio" and error.reason == "the file has no audio stream"
    assert str(error) == "audio: the file has no audio stream"


def test_decode_base64():
    payload = b"\x89PNG\r\n\x1a\n any bytes \x00\xff"
    encoded = base64.b64encode(payload).decode()
    assert decode_base64(encoded, "image") == payload
    assert decode_base64(encoded.rstrip("="), "image") == payload  # padding optional
    assert decode_base64(base64.encodebytes(payload).decode(), "image") == payload  # line breaks, as decodebytes
    assert decode_base64(encoded.encode(), "image") == payload


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "is empty"),
        ("   \n", "is empty"),
        ("not base64!", "not valid base64"),
        ("abcde", "not valid base64"),
        ("data:image/png;base64,iVBORw0KGgo=", "data: URI"),
        ("ü", "non-ASCII"),
        (None, "got NoneType"),
        (12, "got int"),
    ],
)
def test_bad_base64(value, reason):
    with pytest.raises(MediaError) as info:
        decode_base64(value, "image")
    assert info.value.modality == "image" and reason in str(info.value)


CORRUPT = {
    "empty": b"",
    "text": b"hello, this is not a media file at all\n" * 4,
    "zeros": bytes(2048),
    "truncated png": synth.png_bytes(synth.Image.fromarray(synth.pattern(64, 64)))[:300],
}


@pytest.mark.parametrize("modality", ["image", "audio", "video", "depth", "thermal"])
@pytest.mark.parametrize("payload", list(CORRUPT), ids=list(CORRUPT))
def test_corrupt_media_raise_media_error(modality, payload):
    with pytest.raises(MediaError) as info:
        PREPROCESSORS[modality](CORRUPT[payload])
    assert info.value.modality == modality


@pytest.mark.parametrize("payload", [b"", b"\xff\xfe\x00garbage", b"a,b\n1,2\n", "str"], ids=str)
def test_bad_imu_raises_media_error(payload):
    with pytest.raises(MediaError) as info:
        PREPROCESSORS["imu"](payload)
    assert info.value.modality == "imu"


def test_truncated_audio_and_video():
    wav = synth.wav_bytes(synth.tone(1.0, 16000), 16000)
    with pytest.raises(MediaError, match="audio"):
        preprocess_audio(wav[:40])  # the header alone: no samples
    video = synth.encode_video(12, 6, 64, 48)
    with pytest.raises(MediaError, match="video"):
        preprocess_video(video[: len(video) // 3])


def test_wrong_kind_of_file():
    wav = synth.wav_bytes(synth.tone(1.0, 16000), 16000)
    with pytest.raises(MediaError, match="no video stream"):
        preprocess_video(wav)
    video = synth.encode_video(12, 6, 64, 48)
    with pytest.raises(MediaError, match="no audio stream"):
        preprocess_audio(video)
    with pytest.raises(MediaError):
        PREPROCESSORS["image"](wav)

