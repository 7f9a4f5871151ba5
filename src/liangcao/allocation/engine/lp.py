"""Thin helpers around HiGHS for the engine's transportation LPs (column-wise, built with
numpy in bulk, solved with the dual simplex so that network LPs return integral vertices)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

INF = highspy.kHighsInf
_banner_shown = False


def _highs() -> highspy.Highs:
    """A silent HiGHS instance. HiGHS prints a banner on the C stdout when the first instance
    of a process is made; it is sent to /dev/null so that JSON on stdout stays clean."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
        _banner_shown = True


@dataclass
class LinearProgram:
    """maximise or minimise c·x  s.t.  row_lo ≤ A x ≤ row_hi,  col_lo ≤ x ≤ col_hi."""

    cost: NDArray[np.float64]
    col_lo: NDArray[np.float64]
    col_hi: NDArray[np.float64]
    row_lo: NDArray[np.float64]
    row_hi: NDArray[np.float64]
    starts: NDArray[np.int32]  # CSC: column j's entries are index[starts[j]:starts[j+1]]
    index: NDArray[np.int32]
    value: NDArray[np.float64]
    maximise: bool = False
    method: str = "simplex"  # "ipm" for one big LP where an integral vertex is not needed


def solve(lp: LinearProgram) -> NDArray[np.float64]:
    """The optimal column values. Raises RuntimeError when HiGHS finds no optimum."""
    h = _highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", lp.method)
    if lp.method == "ipm":
        h.setOptionValue("run_crossover", "off")  # the baseline needs a value, not a vertex
    h.setOptionValue("threads", 1)
    model = highspy.HighsLp()
    model.num_col_ = len(lp.cost)
    model.num_row_ = len(lp.row_lo)
    model.col_cost_ = lp.cost
    model.col_lower_ = lp.col_lo
    model.col_upper_ = lp.col_hi
    model.row_lower_ = lp.row_lo
    model.row_upper_ = lp.row_hi
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = lp.starts
    model.a_matrix_.index_ = lp.index
    model.a_matrix_.value_ = lp.value
    model.sense_ = highspy.ObjSense.kMaximize if lp.maximise else highspy.ObjSense.kMinimize
    h.passModel(model)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS: {h.modelStatusToString(status)}")
    return np.asarray(h.getSolution().col_value, dtype=np.float64)
