"""`load_settings`: Weaviate's defaults, and a SettingsError that names the variable for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from weavebind.server.settings import SETTINGS, SettingsError, load_settings, parse_duration_seconds


def test_defaults_are_weaviates():
    settings = load_settings({})
    assert settings.persistence_data_path == "/var/lib/weaviate"
    assert settings.query_defaults_limit == 10
    assert settings.query_defaults_limit_graphql == 100
    assert settings.query_maximum_results == 10000
    assert settings.query_hybrid_maximum_results == 100
    assert settings.default_vectorizer_module == "none"
    assert settings.enable_modules == ()
    assert settings.autoschema_enabled is True
    assert settings.autoschema_default_number == "number"
    assert settings.default_vector_distance_metric == "cosine"
    assert settings.authentication_anonymous_access_enabled is True
    assert settings.authentication_apikey_enabled is False
    assert settings.authentication_oidc_enabled is False
    assert settings.authorization_adminlist_enabled is False
    assert settings.grpc_port == 50051
    assert settings.cluster_hostname == "node1"
    assert settings.enable_cuda is False
    major, minor = (int(x) for x in settings.weavebind_weaviate_version.split(".")[:2])
    assert (major, minor) >= (1, 27)
    assert settings.weavebind_max_request_bytes == 104858000
    assert settings.database_url == f"sqlite:///{Path('/var/lib/weaviate') / 'weavebind.sqlite3'}"


def test_every_setting_has_a_parsable_default_and_help():
    for setting in SETTINGS:
        assert setting.help, setting.name
        setting.parse(setting.default)


def test_values_are_parsed():
    settings = load_settings({
        "QUERY_DEFAULTS_LIMIT": " 25 ", "AUTOSCHEMA_ENABLED": "False",
        "ENABLE_MODULES": "multi2vec-clip, multi2vec-bind",
        "DEFAULT_VECTORIZER_MODULE": "multi2vec-bind", "AUTHENTICATION_APIKEY_ENABLED": "true",
        "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "a,b", "AUTHENTICATION_APIKEY_USERS": "x,y", "GRPC_PORT": "50052",
        "WEAVEBIND_DATABASE_URL": "postgresql+psycopg://u@h/db", "PERSISTENCE_DATA_PATH": "/data",
    })
    assert settings.query_defaults_limit == 25
    assert settings.autoschema_enabled is False
    assert settings.enable_modules == ("multi2vec-clip", "multi2vec-bind")
    assert settings.default_vectorizer_module == "multi2vec-bind"
    assert settings.authentication_apikey_allowed_keys == ("a", "b")
    assert settings.grpc_port == 50052
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.data_path == Path("/data")
    assert settings.replace(grpc_port=1).grpc_port == 1


@pytest.mark.parametrize("env,variable", [
    ({"GRPC_PORT": "abc"}, "GRPC_PORT"),
    ({"GRPC_PORT": "-1"}, "GRPC_PORT"),
    ({"GRPC_PORT": "65536"}, "GRPC_PORT"),
    ({"QUERY_DEFAULTS_LIMIT": "ten"}, "QUERY_DEFAULTS_LIMIT"),
    ({"QUERY_DEFAULTS_LIMIT": "0"}, "QUERY_DEFAULTS_LIMIT"),
    ({"QUERY_MAXIMUM_RESULTS": "-5"}, "QUERY_MAXIMUM_RESULTS"),
    ({"WEAVEBIND_MAX_REQUEST_BYTES": "1MB"}, "WEAVEBIND_MAX_REQUEST_BYTES"),
    ({"AUTOSCHEMA_ENABLED": "maybe"}, "AUTOSCHEMA_ENABLED"),
    ({"ENABLE_CUDA": "2"}, "ENABLE_CUDA"),
    ({"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED": "yes please"}, "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"),
    ({"ENABLE_MODULES": "text2vec-openai"}, "ENABLE_MODULES"),
    ({"ENABLE_MODULES": "multi2vec-clip,text2vec-openai"}, "ENABLE_MODULES"),
    ({"DEFAULT_VECTORIZER_MODULE": "multi2vec-clip"}, "DEFAULT_VECTORIZER_MODULE"),
    ({"ENABLE_MODULES": "multi2vec-bind", "DEFAULT_VECTORIZER_MODULE": "multi2vec-clip"}, "DEFAULT_VECTORIZER_MODULE"),
    ({"DEFAULT_VECTOR_DISTANCE_METRIC": "euclidean"}, "DEFAULT_VECTOR_DISTANCE_METRIC"),
    ({"AUTHENTICATION_OIDC_ENABLED": "true"}, "AUTHENTICATION_OIDC_ENABLED"),
    ({"AUTHENTICATION_APIKEY_ENABLED": "true"}, "AUTHENTICATION_APIKEY_ALLOWED_KEYS"),
    ({"AUTHENTICATION_APIKEY_ENABLED": "true", "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "a,b,c",
      "AUTHENTICATION_APIKEY_USERS": "x,y"}, "AUTHENTICATION_APIKEY_USERS"),
    ({"AUTOSCHEMA_DEFAULT_NUMBER": "float"}, "AUTOSCHEMA_DEFAULT_NUMBER"),
])
def test_a_bad_value_raises_settings_error_naming_the_variable(env, variable):
    with pytest.raises(SettingsError) as exc:
        load_settings(env)
    assert str(exc.value).startswith(f"invalid value for {variable}: ")


def test_the_bad_value_is_quoted_in_the_message():
    with pytest.raises(SettingsError, match="'abc'"):
        load_settings({"GRPC_PORT": "abc"})


@pytest.mark.parametrize("raw,seconds", [("50s", 50), ("2m", 120), ("1m30s", 90), ("500ms", 0.5), ("1h", 3600),
                                         ("7", 7), ("1.5s", 1.5)])
def test_go_durations(raw, seconds):
    assert parse_duration_seconds(raw) == pytest.approx(seconds)


@pytest.mark.parametrize("raw", ["", "s", "5x", "5s3", "fast"])
def test_bad_go_durations(raw):
    with pytest.raises(ValueError, match="duration"):
        parse_duration_seconds(raw)


def test_backup_filesystem_needs_its_path_and_is_no_vectorizer():
    with pytest.raises(SettingsError, match="BACKUP_FILESYSTEM_PATH"):
        load_settings({"ENABLE_MODULES": "backup-filesystem"})
    settings = load_settings({"ENABLE_MODULES": "backup-filesystem,multi2vec-clip", "BACKUP_FILESYSTEM_PATH": "/b"})
    assert settings.enable_modules == ("multi2vec-clip",) and settings.backup_modules == ("backup-filesystem",)
    with pytest.raises(SettingsError, match="DEFAULT_VECTORIZER_MODULE"):
        load_settings({"ENABLE_MODULES": "backup-filesystem", "BACKUP_FILESYSTEM_PATH": "/b",
                       "DEFAULT_VECTORIZER_MODULE": "backup-filesystem"})
