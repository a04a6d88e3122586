"""The `info` task of every port (docs/porting.md, "The info task"): besides version, blas and blas_threads
(test_ports.py), where the thread count comes from, the kernel set and the clock.

The thread count is asked of OpenBLAS itself where the language can call it (Python through ctypes, Julia
through ccall) and inferred from the environment where it cannot (Octave, Scilab): info must say which.
"""
from __future__ import annotations

import os

import pytest
from conftest import require_lang

from harness.languages import LANGUAGES, NAMES


@pytest.fixture(params=NAMES)
def any_port(request):
    return require_lang(request.param)


@pytest.mark.parametrize("threads", [1, 2])
def test_info_says_where_the_thread_count_comes_from(any_port, threads):
    info = any_port.run("info", threads=threads).info
    assert info["blas_threads_source"].startswith(LANGUAGES[any_port.name].threads_source), info
    # OpenBLAS caps its threads at the CPUs this process may use
    assert info["blas_threads"] in {str(threads), str(min(threads, len(os.sched_getaffinity(0))))}, info


def test_info_names_the_kernels_and_the_clock(any_port):
    info = any_port.run("info", threads=1).info
    assert info["blas_core"] and info["blas_core"] != "unknown", info
    assert info["clock"], info
