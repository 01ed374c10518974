"""The network half of the compiled step (engine/kernels.py): forward, objective and backward over examples.

Plain Python that Numba compiles (kernels.kernel() jits every function here); run uncompiled it is merely slow.
Examples are columns, (units, n), as in engine/nn.py, so the inner loops run along the examples: products are
axpy loops that vectorise; the sums over examples are in a fixed order (the weight gradients: one running sum each,
in blocks, engine/kernels_grad.py; the biases and J: four interleaved accumulators), so the results do not depend on
the machine's vector width. tanh is computed from a short series or
exp(−2|x|) (a few ulp from libm's, and vectorisable: libm's tanh is not); sigmoid is ½ + ½ tanh(z/2) as in nn.py.
"""

from __future__ import annotations

import math

from engine import kernels_grad as kg

try:
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def _bits(typingctx, x):  # type: ignore[no-untyped-def]
        """The bits of a float64 as an int64."""
        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            return builder.bitcast(args[0], ir.IntType(64))
        return types.int64(types.float64), codegen

    @intrinsic
    def _float(typingctx, x):  # type: ignore[no-untyped-def]
        """The float64 whose bits are the int64 x."""
        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            return builder.bitcast(args[0], ir.DoubleType())
        return types.float64(types.int64), codegen
except ImportError:  # no Numba: kernels.kernel() is None and nothing here runs
    pass

SHIFT = 6755399441055744.0  # 1.5 · 2⁵²: adding it rounds to an integer, kept in the low bits of the mantissa
LOG2E = 1.4426950408889634
LN2_HI, LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # fdlibm's split of ln 2


def _expm1_neg(y: float) -> float:
    """e^y − 1 for y ≤ 0 (below −700: −1), accurate near 0 too: y = k ln 2 + r with |r| ≤ ½ ln 2, then
    e^y − 1 = 2ᵏ q + (2ᵏ − 1) with q = e^r − 1 by its Taylor series (fdlibm's reduction)."""
    y = -700.0 if y < -700.0 else y  # NaN passes through
    m = y * LOG2E + SHIFT
    k = m - SHIFT
    r = (y - k * LN2_HI) - k * LN2_LO
    # Σ_j r^j / (j + 1)!, j = 0..13, by Estrin's scheme (pairs, then pairs of pairs): a short dependency chain
    r2 = r * r
    r4 = r2 * r2
    q0 = 1.0 + 0.5 * r
    q1 = 0.16666666666666666 + 0.041666666666666664 * r
    q2 = 0.008333333333333333 + 0.001388888888888889 * r
    q3 = 0.0001984126984126984 + 2.48015873015873e-05 * r
    q4 = 2.7557319223985893e-06 + 2.755731922398589e-07 * r
    q5 = 2.505210838544172e-08 + 2.08767569878681e-09 * r
    q6 = 1.6059043836821613e-10 + 1.1470745597729725e-11 * r
    p = ((q0 + q1 * r2) + (q2 + q3 * r2) * r4) + ((q4 + q5 * r2) + q6 * r4) * (r4 * r4)
    scale: float = _float(((_bits(m) - _bits(SHIFT)) + 1023) << 52)  # type: ignore[call-arg]  # 2ᵏ (a Numba intrinsic)
    return scale * (p * r) + (scale - 1.0)


def _log1p_unit(e: float) -> float:
    """log(1 + e) for 0 ≤ e ≤ 1: 2 atanh(s), s = e / (2 + e) ≤ ⅓, by its series (s²ᵏ / (2k + 1), to k = 16)."""
    s = e / (2.0 + e)
    s2 = s * s
    z2 = s2 * s2  # Σ_k s2ᵏ / (2k + 1), k = 0..16, by Estrin's scheme (as in _expm1_neg)
    z4 = z2 * z2
    z8 = z4 * z4
    q0 = 1.0 / 1.0 + (1.0 / 3.0) * s2
    q1 = 1.0 / 5.0 + (1.0 / 7.0) * s2
    q2 = 1.0 / 9.0 + (1.0 / 11.0) * s2
    q3 = 1.0 / 13.0 + (1.0 / 15.0) * s2
    q4 = 1.0 / 17.0 + (1.0 / 19.0) * s2
    q5 = 1.0 / 21.0 + (1.0 / 23.0) * s2
    q6 = 1.0 / 25.0 + (1.0 / 27.0) * s2
    q7 = 1.0 / 29.0 + (1.0 / 31.0) * s2
    w0 = (q0 + q1 * z2) + (q2 + q3 * z2) * z4
    w1 = (q4 + q5 * z2) + (q6 + q7 * z2) * z4
    p = (w0 + w1 * z8) + (1.0 / 33.0) * (z8 * z8)
    return 2.0 * s * p


def _tanh(x: float) -> float:
    """tanh x = −u / (u + 2), u = e^(−2|x|) − 1, with the sign of x (NaN stays NaN)."""
    u = _expm1_neg(-2.0 * abs(x))
    return math.copysign(-u / (u + 2.0), x)


def _act(a, w, rows, code):  # type: ignore[no-untyped-def]
    """a[:w, :rows] = f(a[:w, :rows]) in place (code: kernels.ACT_CODES)."""
    if code == 0:
        return None
    for j in range(w):
        row = a[j]
        if code == 1:
            for e in range(rows):
                row[e] = _tanh(row[e])
        elif code == 2:
            for e in range(rows):
                row[e] = _tanh(row[e] * 0.5) * 0.5 + 0.5
        else:
            for e in range(rows):
                z = row[e]
                row[e] = z if z > 0.0 or z != z else 0.0
    return None


def forward(theta, sizes, offs, acts, Xc, idx, rows, A):  # type: ignore[no-untyped-def]
    """A[l, :sizes[l], :rows] = each layer's activation over examples Xc[:, idx] (idx None: the first rows);
    the last layer keeps its logits."""
    L = len(sizes) - 1
    for i in range(sizes[0]):
        dst, src = A[0, i], Xc[i]
        for e in range(rows):
            dst[e] = src[e] if idx is None else src[idx[e]]
    for l in range(L):
        n_in, n_out, off = sizes[l], sizes[l + 1], offs[l]
        bo = off + n_in * n_out
        for j in range(n_out):
            out = A[l + 1, j]
            w = theta[off + j]
            x = A[l, 0]
            for e in range(rows):
                out[e] = w * x[e]
            for i in range(1, n_in):
                w = theta[off + i * n_out + j]
                x = A[l, i]
                for e in range(rows):
                    out[e] += w * x[e]
            b = theta[bo + j]
            for e in range(rows):
                out[e] += b
        if l < L - 1:
            _act(A[l + 1], n_out, rows, acts[l])
    return None


def objective(z, Tc, idx, rows, K, code, G):  # type: ignore[no-untyped-def]
    """J (the mean over `rows` examples) of logits z (K, rows) against targets Tc[:, idx]; G[:K, :rows] = ∂J/∂z."""
    total = 0.0
    inv = 1.0 / rows
    if code == 0:  # sigmoid + bce from the logits: ℓ = max(z, 0) − t z + log(1 + e^−|z|), ∂ℓ/∂z = σ(z) − t
        zr, g, tr, ell = z[0], G[0], Tc[0], G[1]  # ℓ per example in G's next row, summed after (vectorised loop)
        for e in range(rows):
            zz, t = zr[e], tr[e if idx is None else idx[e]]
            relu = zz if zz > 0.0 else 0.0
            ell[e] = (relu - t * zz) + _log1p_unit(_expm1_neg(-abs(zz)) + 1.0)
            g[e] = (_tanh(zz * 0.5) * 0.5 + 0.5 - t) * inv
        return _sum(ell, rows) / rows
    for e in range(rows):
        src = e if idx is None else idx[e]
        if code == 2:  # identity + quadratic
            s = 0.0
            for k in range(K):
                r = z[k, e] - Tc[k, src]
                s += r * r
                G[k, e] = r * inv
            total += 0.5 * s
        elif code == 3:  # sigmoid + quadratic
            s = 0.0
            for k in range(K):
                y = _tanh(z[k, e] * 0.5) * 0.5 + 0.5
                r = y - Tc[k, src]
                s += r * r
                G[k, e] = (r * y * (1.0 - y)) * inv
            total += 0.5 * s
        else:  # softmax + ce (1) or softmax + quadratic (4)
            mx = z[0, e]
            for k in range(1, K):
                mx = max(mx, z[k, e])
            s = 0.0
            for k in range(K):
                G[k, e] = math.exp(z[k, e] - mx)
                s += G[k, e]
            if code == 1:
                tz = 0.0
                for k in range(K):
                    tz += Tc[k, src] * z[k, e]
                    G[k, e] = (G[k, e] / s - Tc[k, src]) * inv
                total += (mx + math.log(s)) - tz
            else:
                q, gy = 0.0, 0.0
                for k in range(K):
                    G[k, e] = G[k, e] / s  # y_k
                    r = G[k, e] - Tc[k, src]
                    q += r * r
                    gy += r * G[k, e]
                for k in range(K):
                    G[k, e] = (G[k, e] * ((G[k, e] - Tc[k, src]) - gy)) * inv
                total += 0.5 * q
    return total / rows


def _sum(a, rows):  # type: ignore[no-untyped-def]
    """Σ_e a[e] with four accumulators in a fixed order."""
    s0 = s1 = s2 = s3 = 0.0
    n4 = rows - rows % 4
    for e in range(0, n4, 4):
        s0 += a[e]
        s1 += a[e + 1]
        s2 += a[e + 2]
        s3 += a[e + 3]
    for e in range(n4, rows):
        s0 += a[e]
    return (s0 + s1) + (s2 + s3)


def backward(theta, sizes, offs, acts, A, rows, D, D2, grad):  # type: ignore[no-untyped-def]
    """grad (d,) of J from ∂J/∂logits D[:K, :rows] and the forward pass's activations A (D, D2: scratch)."""
    L = len(sizes) - 1
    for l in range(L - 1, -1, -1):
        n_in, n_out, off = sizes[l], sizes[l + 1], offs[l]
        bo = off + n_in * n_out
        kg.weight_grad(A[l], D, n_in, n_out, rows, grad, off)
        for j in range(n_out):
            grad[bo + j] = _sum(D[j], rows)
        if l == 0:
            break
        code = acts[l - 1]
        for i in range(n_in):
            h = D2[i]
            w = theta[off + i * n_out]
            d = D[0]
            for e in range(rows):
                h[e] = w * d[e]
            for j in range(1, n_out):
                w = theta[off + i * n_out + j]
                d = D[j]
                for e in range(rows):
                    h[e] += w * d[e]
            a = A[l, i]
            if code == 1:
                for e in range(rows):
                    h[e] = (1.0 - a[e] * a[e]) * h[e]
            elif code == 2:
                for e in range(rows):
                    h[e] = ((1.0 - a[e]) * a[e]) * h[e]
            elif code == 3:
                for e in range(rows):
                    h[e] = h[e] if a[e] > 0.0 else h[e] * 0.0
        D, D2 = D2, D
    return None


# Inlined where they are called (in Numba's IR), so that the loops around them vectorise.
INLINED = ("_expm1_neg", "_log1p_unit", "_tanh")
JITTED = ("_act", "forward", "objective", "_sum", "backward")
