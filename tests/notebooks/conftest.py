"""Shared set-up for executing the real notebooks: one clean of the shipped raw data per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
# kernels start in notebooks/: make sure they import this checkout's package whatever PYTHONPATH said
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
