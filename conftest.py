"""Test configuration: everything under pytest runs in quick mode.

Set here, before any notebook kernel starts, so that nbmake's kernels inherit it.
"""
import os

os.environ["CAEWARD_QUICK"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
