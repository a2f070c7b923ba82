"""Class configuration of the multi2vec modules: every validation error (design.md §3, spec 2.3 and 4.4)."""

from __future__ import annotations

import pytest

from weavebind.vectorizers.base import MODALITIES, MODALITY_BY_NAME
from weavebind.vectorizers.settings import InvalidModuleConfig, parse_class_settings

CLIP = [MODALITY_BY_NAME["text"], MODALITY_BY_NAME["image"]]
BIND = list(MODALITIES)
PROPS = {"title": {"name": "title", "dataType": ["text"]}, "tags": {"name": "tags", "dataType": ["text[]"]},
         "image": {"name": "image", "dataType": ["blob"]}, "count": {"name": "count", "dataType": ["int"]}}


@pytest.mark.parametrize("config", [  # class_settings_test.go: configs Weaviate accepts
    {"imageFields": ["field"]},
    {"imageFields": ["field"], "inferenceUrl": "http://clip:8080"},
    {"textFields": ["a"], "imageFields": ["b"]},
    {"textFields": ["a", "b"], "imageFields": ["c", "d"]},
    {"textFields": ["a", "b"], "imageFields": ["c", "d"], "weights": {"textFields": [1, 2], "imageFields": [1, 2]}},
    {"textFields": ["a", "b"], "imageFields": ["c"], "weights": {"textFields": [1, 2], "imageFields": [1]}},
    {"textFields": ["a"], "weights": {"textFields": ["0.5"]}, "vectorizeClassName": False},
])
def test_valid_clip_configs(config):
    parse_class_settings(config, CLIP)


def test_all_seven_bind_modalities_with_weights():
    config = {m.fields_key: [f"{m.name}_field"] for m in MODALITIES}
    config["weights"] = {m.fields_key: [i + 1] for i, m in enumerate(MODALITIES)}
    settings = parse_class_settings(config, BIND)
    assert settings.fields["depth"] == ("depth_field",)
    assert settings.weights[("imu", "imu_field")] == 5


@pytest.mark.parametrize("key", ["imuFields", "IMUFields"])
def test_imu_fields_in_both_spellings(key):
    settings = parse_class_settings({key: ["motion"], "weights": {key: [1]}}, BIND)
    assert settings.fields == {"imu": ("motion",)}
    assert settings.weights == {("imu", "motion"): 1.0}


@pytest.mark.parametrize("config,text", [
    ({}, "textFields or imageFields setting needs to be present"),
    ({"vectorizeClassName": True}, "textFields or imageFields setting needs to be present"),
    ({"imageFields": None}, "imageFields must be an array"),
    ({"imageFields": "image"}, "imageFields must be an array"),
    ({"imageFields": []}, "must contain at least one image field name in imageFields"),
    ({"imageFields": [""]}, "imageField values cannot be empty"),
    ({"imageFields": [1.0]}, "imageField must be a string"),
    ({"textFields": ["a", "a"]}, "textFields lists 'a' twice"),
    ({"textFields": ["a", "b"], "weights": {"textFields": [1]}},
     "weights.textFields does not equal number of textFields"),
    ({"textFields": ["a", "b"], "weights": {"textFields": [1, "aaaa"]}}, "weights.textFields[1] must be a number"),
    ({"textFields": ["a"], "weights": {"textFields": [True]}}, "weights.textFields[0] must be a number"),
    ({"textFields": ["a"], "weights": {"textFields": [-1]}}, "must be a finite number >= 0"),
    ({"textFields": ["a"], "weights": {"textFields": [0]}}, "weights must not all be 0"),
    ({"textFields": ["a"], "weights": {"textFields": 1}}, "weights.textFields does not equal number of textFields"),
    ({"textFields": ["a"], "weights": [1]}, "weights must be an object"),
    ({"textFields": ["a"], "weights": {"imageFields": [1]}}, "weights.imageFields is set but imageFields is not"),
    ({"textFields": ["a"], "imageFields": ["b"], "weights": {"textFields": [1]}},
     "weights.imageFields must be set when weights are given for other fields"),
    ({"audioFields": ["a"]}, "audioFields is not supported by this module; it vectorizes text, image"),
    ({"textFields": ["a"], "inferenceUrl": "clip:8080"}, "inferenceUrl must be an http:// or https:// URL"),
    ({"textFields": ["a"], "inferenceUrl": 8080}, "inferenceUrl must be an http:// or https:// URL"),
    (["textFields"], "the module configuration must be a JSON object"),
])
def test_invalid_clip_configs(config, text):
    with pytest.raises(InvalidModuleConfig) as caught:
        parse_class_settings(config, CLIP)
    assert text in caught.value.message
    assert caught.value.status == 422


@pytest.mark.parametrize("config,text", [
    ({}, "textFields, imageFields, audioFields, videoFields, imuFields, thermalFields or depthFields setting needs "
         "to be present"),
    ({"thermalFields": ["t"], "weights": {"thermalFields": [1, 100]}},
     "weights.thermalFields does not equal number of thermalFields"),
    ({"imuFields": ["a"], "IMUFields": ["b"]}, "imuFields and IMUFields are the same setting"),
    ({"depthFields": []}, "must contain at least one depth field name in depthFields"),
    ({"videoFields": [3]}, "videoField must be a string"),
])
def test_invalid_bind_configs(config, text):
    with pytest.raises(InvalidModuleConfig, match=None) as caught:
        parse_class_settings(config, BIND)
    assert text in caught.value.message


@pytest.mark.parametrize("config,text", [
    ({"textFields": ["count"]}, "textFields: property 'count' has dataType int; text fields must be text or text[]"),
    ({"imageFields": ["title"]}, "imageFields: property 'title' has dataType text; image fields must be blob"),
])
def test_declared_fields_must_have_a_suitable_data_type(config, text):
    with pytest.raises(InvalidModuleConfig) as caught:
        parse_class_settings(config, CLIP, PROPS)
    assert caught.value.message == text


def test_declared_and_undeclared_fields_are_accepted():
    settings = parse_class_settings({"textFields": ["title", "tags", "later"], "imageFields": ["image"]}, CLIP, PROPS)
    assert settings.vectorizable_properties() == {"title", "tags", "later", "image"}
    assert settings.weights is None and settings.inference_url is None
