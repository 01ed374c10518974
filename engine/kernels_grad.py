"""The weight gradients of one layer in the compiled step (engine/kernels_nn.py): G[i, j] = Σ_e A[i, e] D[j, e].

Plain Python that Numba compiles (kernels.kernel() jits every function here). Every G[i, j] is one running sum over
the examples e in their order (no reassociation, no fused multiply-add), so the result does not depend on the
machine's vector width nor on the blocking. The blocking is for speed: a 4 × 4 block keeps 16 sums in registers and
reads each example's 4 + 4 values once for 16 products, and LLVM's SLP vectoriser (kernels.kernel() turns it on)
packs the four sums of a row into one vector; a lone pair's single chain would wait on each addition's latency.
"""

from __future__ import annotations


def _chain(a, b, rows):  # type: ignore[no-untyped-def]
    """Σ_e a[e] b[e], one running sum in order."""
    s = 0.0
    for e in range(rows):
        s += a[e] * b[e]
    return s


def _block44(A, D, i, j, rows, grad, base, n_out):  # type: ignore[no-untyped-def]
    """G[i:i+4, j:j+4] into grad[base + i' n_out + j']."""
    a0, a1, a2, a3 = A[i], A[i + 1], A[i + 2], A[i + 3]
    d0, d1, d2, d3 = D[j], D[j + 1], D[j + 2], D[j + 3]
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
    s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = 0.0
    for e in range(rows):
        x0, x1, x2, x3 = a0[e], a1[e], a2[e], a3[e]
        y0, y1, y2, y3 = d0[e], d1[e], d2[e], d3[e]
        s00 += x0 * y0
        s01 += x0 * y1
        s02 += x0 * y2
        s03 += x0 * y3
        s10 += x1 * y0
        s11 += x1 * y1
        s12 += x1 * y2
        s13 += x1 * y3
        s20 += x2 * y0
        s21 += x2 * y1
        s22 += x2 * y2
        s23 += x2 * y3
        s30 += x3 * y0
        s31 += x3 * y1
        s32 += x3 * y2
        s33 += x3 * y3
    b = base + i * n_out + j  # stores through row views at constant offsets: LLVM sees them consecutive
    r = grad[b : b + 4]  # (with grad[b + 1] it cannot rule out b + 1 < 0 wrapping), the seed its SLP pass needs
    r[0], r[1], r[2], r[3] = s00, s01, s02, s03
    r = grad[b + n_out : b + n_out + 4]
    r[0], r[1], r[2], r[3] = s10, s11, s12, s13
    r = grad[b + 2 * n_out : b + 2 * n_out + 4]
    r[0], r[1], r[2], r[3] = s20, s21, s22, s23
    r = grad[b + 3 * n_out : b + 3 * n_out + 4]
    r[0], r[1], r[2], r[3] = s30, s31, s32, s33
    return None


def _block41(A, d, i, j, rows, grad, base, n_out):  # type: ignore[no-untyped-def]
    """G[i:i+4, j] (four rows of A against one row d of D)."""
    a0, a1, a2, a3 = A[i], A[i + 1], A[i + 2], A[i + 3]
    s0 = s1 = s2 = s3 = 0.0
    for e in range(rows):
        y = d[e]
        s0 += a0[e] * y
        s1 += a1[e] * y
        s2 += a2[e] * y
        s3 += a3[e] * y
    b = base + i * n_out + j
    grad[b], grad[b + n_out], grad[b + 2 * n_out], grad[b + 3 * n_out] = s0, s1, s2, s3
    return None


def _block14(a, D, i, j, rows, grad, base, n_out):  # type: ignore[no-untyped-def]
    """G[i, j:j+4] (one row a of A against four rows of D)."""
    d0, d1, d2, d3 = D[j], D[j + 1], D[j + 2], D[j + 3]
    s0 = s1 = s2 = s3 = 0.0
    for e in range(rows):
        x = a[e]
        s0 += x * d0[e]
        s1 += x * d1[e]
        s2 += x * d2[e]
        s3 += x * d3[e]
    r = grad[base + i * n_out + j : base + i * n_out + j + 4]
    r[0], r[1], r[2], r[3] = s0, s1, s2, s3
    return None


def weight_grad(A, D, n_in, n_out, rows, grad, base):  # type: ignore[no-untyped-def]
    """grad[base + i n_out + j] = Σ_e A[i, e] D[j, e] for i < n_in, j < n_out, e < rows (A, D: (units, n))."""
    i4, j4 = n_in - n_in % 4, n_out - n_out % 4
    for i in range(0, i4, 4):
        for j in range(0, j4, 4):
            _block44(A, D, i, j, rows, grad, base, n_out)
        for j in range(j4, n_out):
            _block41(A, D[j], i, j, rows, grad, base, n_out)
    for i in range(i4, n_in):
        for j in range(0, j4, 4):
            _block14(A[i], D, i, j, rows, grad, base, n_out)
        for j in range(j4, n_out):
            grad[base + i * n_out + j] = _chain(A[i], D[j], rows)
    return None


JITTED = ("_chain", "_block44", "_block41", "_block14", "weight_grad")
