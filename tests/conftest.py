import copy
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def default_data_master() -> dict:
    return yaml.safe_load(Path(fk.default_design_path()).read_text())


@pytest.fixture
def default_data(default_data_master) -> dict:
    """A fresh, mutable copy of the worked example as plain data."""
    return copy.deepcopy(default_data_master)


@pytest.fixture
def write_design(tmp_path):
    def write(data: dict, name: str = "design.yaml") -> Path:
        p = tmp_path / name
        p.write_text(yaml.safe_dump(data, sort_keys=False))
        return p
    return write
