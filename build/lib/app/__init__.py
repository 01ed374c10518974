"""Descent's web layer: a thin FastAPI app over the NumPy engine."""

import os

# Many small runs share the server's cores: one BLAS thread each is faster than threads fighting
# over two cores (an 8 × 64 network step went from ~150 ms to ~6 ms on a loaded 2-core machine).
# Set before NumPy is first imported; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
