# mypy: disable-error-code="call-arg, var-annotated"
"""exp(x) in a form the compiler can vectorise, as accurate as the C library's.

The C library's ``exp`` is a call the compiler cannot spread over the lanes of a vector
register, so a loop over neurons that needs three exponentials per rate evaluation runs one
neuron at a time. :func:`exp` here is plain arithmetic without branches:

    x = k ln2 + r,  k = round(x / ln2),  |r| <= ln2/2     (Cody-Waite, ln2 split in two parts)
    exp(x) = 2^k (1 + r + r^2 P(r))                         (P: Taylor terms up to r^13/13!,
                                                              evaluated by Estrin's scheme
                                                              with explicit fused multiply-adds)

with k found by the round-to-nearest trick (adding 1.5 * 2^52) and 2^k built from its bits. The
result is within one unit in the last place of the exact value (as the C library's; the two
differ in the last bit for about one argument in ten). Arguments are clamped to [-708, 709]:
exp(-708) ~ 3e-308 and exp(709) ~ 8e307 instead of denormals and infinity, far beyond any
value the membrane equations meet before the blow-up test stops a run. NaN stays NaN.

Without the compiler (``HHTUI_NO_JIT=1``) :func:`exp` is ``math.exp``.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from ._jit import JIT_ENABLED, Intrinsic, njit

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k * _LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_ROUND = 6755399441055744.0  # 1.5 * 2^52: adding it rounds to an integer held in the low bits
_C = [1.0 / math.factorial(i) for i in range(14)]
_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = _C[2:]


def _exp(x: float) -> float:
    # Not min/max: comparisons with NaN are false, so NaN passes through unchanged.
    x = 709.0 if x > 709.0 else x  # noqa: FURB136
    x = -708.0 if x < -708.0 else x  # noqa: FURB136
    shifted = _fma(x, _LOG2E, _ROUND)
    k = shifted - _ROUND
    r = _fma(-k, _LN2_LO, _fma(-k, _LN2_HI, x))
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    p = _fma(r4, _fma(r2, _fma(r, _C9, _C8), _fma(r, _C7, _C6)), _fma(r2, _fma(r, _C5, _C4), _fma(r, _C3, _C2)))
    p = _fma(r8, _fma(r2, _fma(r, _C13, _C12), _fma(r, _C11, _C10)), p)
    scale = _bits_to_float((_float_to_bits(shifted) - _float_to_bits(_ROUND) + 1023) << 52)
    return _fma(scale, _fma(r2, p, r), scale)


def _make_bits_to_float() -> object:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def _bits_to_float(typingctx, bits):
        """The float64 whose IEEE bits are the int64 ``bits``."""
        signature = types.float64(types.int64)

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], context.get_value_type(types.float64))

        return signature, codegen

    return _bits_to_float


def _make_fma() -> object:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def _fma(typingctx, a, b, c):
        """a * b + c rounded once (a fused multiply-add, explicit, so that scalar and vectorised
        code give the same bits)."""
        signature = types.float64(types.float64, types.float64, types.float64)

        def codegen(context, builder, sig, args):
            from llvmlite import ir  # type: ignore[import-untyped]

            double = ir.DoubleType()
            function = builder.module.declare_intrinsic(
                "llvm.fma", [double], ir.FunctionType(double, [double, double, double])
            )
            return builder.call(function, args)

        return signature, codegen

    return _fma


def _make_float_to_bits() -> object:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def _float_to_bits(typingctx, value):
        """The IEEE bits of the float64 ``value`` as an int64."""
        signature = types.int64(types.float64)

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], context.get_value_type(types.int64))

        return signature, codegen

    return _float_to_bits


if JIT_ENABLED:
    # numba's intrinsics, made when a kernel using them is first compiled (numba is not imported before)
    _bits_to_float: Any = Intrinsic(_make_bits_to_float)
    _fma: Any = Intrinsic(_make_fma)
    _float_to_bits: Any = Intrinsic(_make_float_to_bits)
    exp = njit(_exp, numpy_errors=True)
else:  # pragma: no cover - the uncompiled fallback

    def _python_fma(a: float, b: float, c: float) -> float:
        return a * b + c

    def _python_float_to_bits(value: float) -> int:
        return int(struct.unpack("<q", struct.pack("<d", value))[0])

    def _python_bits_to_float(bits: int) -> float:
        return float(struct.unpack("<d", struct.pack("<q", bits))[0])

    _fma = _python_fma
    _float_to_bits = _python_float_to_bits
    _bits_to_float = _python_bits_to_float

    exp = math.exp  # type: ignore[assignment]
