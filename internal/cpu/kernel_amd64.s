//go:build !purego

#include "textflag.h"

// func kernel6x16(k int, a, b []float32, out *[96]float32)
//
// out[r*16+c] = Σ_p a[p*6+r] * b[p*16+c] for packed panels a (k*6) and
// b (k*16), summed in order p = 0..k-1 with one fused multiply-add per term.
// Y4..Y15 hold the 6x16 accumulators, two registers per row; Y0 and Y1 the
// row p of b; Y2 and Y3 the broadcast elements of a. The caller checks the
// lengths.
TEXT ·kernel6x16(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a_base+8(FP), SI
	MOVQ b_base+32(FP), DI
	MOVQ out+56(FP), DX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE   store

loop:
	VMOVUPS      (DI), Y0
	VMOVUPS      32(DI), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS  Y0, Y2, Y4
	VFMADD231PS  Y1, Y2, Y5
	VBROADCASTSS 4(SI), Y3
	VFMADD231PS  Y0, Y3, Y6
	VFMADD231PS  Y1, Y3, Y7
	VBROADCASTSS 8(SI), Y2
	VFMADD231PS  Y0, Y2, Y8
	VFMADD231PS  Y1, Y2, Y9
	VBROADCASTSS 12(SI), Y3
	VFMADD231PS  Y0, Y3, Y10
	VFMADD231PS  Y1, Y3, Y11
	VBROADCASTSS 16(SI), Y2
	VFMADD231PS  Y0, Y2, Y12
	VFMADD231PS  Y1, Y2, Y13
	VBROADCASTSS 20(SI), Y3
	VFMADD231PS  Y0, Y3, Y14
	VFMADD231PS  Y1, Y3, Y15
	ADDQ         $24, SI
	ADDQ         $64, DI
	DECQ         CX
	JNZ          loop

store:
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, 64(DX)
	VMOVUPS Y7, 96(DX)
	VMOVUPS Y8, 128(DX)
	VMOVUPS Y9, 160(DX)
	VMOVUPS Y10, 192(DX)
	VMOVUPS Y11, 224(DX)
	VMOVUPS Y12, 256(DX)
	VMOVUPS Y13, 288(DX)
	VMOVUPS Y14, 320(DX)
	VMOVUPS Y15, 352(DX)
	VZEROUPPER
	RET

// func tile6x16(k int, a *float32, rs, cs int, b *float32, c *float32, ldc int, bias *float32, load bool)
//
// c[r*ldc+j] = s + Σ_p a[r*rs+p*cs] * b[p*16+j] (+ bias[j] when bias is not
// nil) for r < 6, j < 16, where s is c[r*ldc+j] itself when load is true
// (the sum continues from a previous block of p) and 0 otherwise:
// kernel6x16's sum, in the same order with the same fused multiply-adds,
// but reading A where it lies (row-major rs = ld, cs = 1, or transposed
// rs = 1, cs = ld: no packing) and writing the tile into C with the bias
// added. rs, cs and ldc count floats. The caller checks the bounds.
TEXT ·tile6x16(SB), NOSPLIT, $0-65
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rs+16(FP), R8
	MOVQ cs+24(FP), R10
	MOVQ b+32(FP), DI
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R11
	MOVQ bias+56(FP), R12
	MOVBLZX load+64(FP), AX
	SHLQ $2, R8
	SHLQ $2, R10
	SHLQ $2, R11
	LEAQ (SI)(R8*2), R9
	ADDQ R8, R9           // R9: row 3 of the tile
	TESTQ AX, AX
	JZ    tzero
	MOVQ  DX, BX
	VMOVUPS (BX), Y4
	VMOVUPS 32(BX), Y5
	ADDQ    R11, BX
	VMOVUPS (BX), Y6
	VMOVUPS 32(BX), Y7
	ADDQ    R11, BX
	VMOVUPS (BX), Y8
	VMOVUPS 32(BX), Y9
	ADDQ    R11, BX
	VMOVUPS (BX), Y10
	VMOVUPS 32(BX), Y11
	ADDQ    R11, BX
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	ADDQ    R11, BX
	VMOVUPS (BX), Y14
	VMOVUPS 32(BX), Y15
	JMP     tstart

tzero:
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

tstart:
	TESTQ CX, CX
	JLE   tstore

tloop:
	VMOVUPS      (DI), Y0
	VMOVUPS      32(DI), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS  Y0, Y2, Y4
	VFMADD231PS  Y1, Y2, Y5
	VBROADCASTSS (SI)(R8*1), Y3
	VFMADD231PS  Y0, Y3, Y6
	VFMADD231PS  Y1, Y3, Y7
	VBROADCASTSS (SI)(R8*2), Y2
	VFMADD231PS  Y0, Y2, Y8
	VFMADD231PS  Y1, Y2, Y9
	VBROADCASTSS (R9), Y3
	VFMADD231PS  Y0, Y3, Y10
	VFMADD231PS  Y1, Y3, Y11
	VBROADCASTSS (R9)(R8*1), Y2
	VFMADD231PS  Y0, Y2, Y12
	VFMADD231PS  Y1, Y2, Y13
	VBROADCASTSS (R9)(R8*2), Y3
	VFMADD231PS  Y0, Y3, Y14
	VFMADD231PS  Y1, Y3, Y15
	ADDQ         R10, SI
	ADDQ         R10, R9
	ADDQ         $64, DI
	DECQ         CX
	JNZ          tloop

tstore:
	TESTQ  R12, R12
	JZ     tnobias
	VMOVUPS (R12), Y0
	VMOVUPS 32(R12), Y1
	VADDPS Y0, Y4, Y4
	VADDPS Y1, Y5, Y5
	VADDPS Y0, Y6, Y6
	VADDPS Y1, Y7, Y7
	VADDPS Y0, Y8, Y8
	VADDPS Y1, Y9, Y9
	VADDPS Y0, Y10, Y10
	VADDPS Y1, Y11, Y11
	VADDPS Y0, Y12, Y12
	VADDPS Y1, Y13, Y13
	VADDPS Y0, Y14, Y14
	VADDPS Y1, Y15, Y15

tnobias:
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R11, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ    R11, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ    R11, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	ADDQ    R11, DX
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, 32(DX)
	ADDQ    R11, DX
	VMOVUPS Y14, (DX)
	VMOVUPS Y15, 32(DX)
	VZEROUPPER
	RET

// func copyPanel16(dst, src []float32, ld, k int)
//
// dst[p*16+c] = src[p*ld+c] for p < k, c < 16: a B panel of 16 columns of a
// row-major matrix, two YMM loads and stores a row. The caller checks the
// bounds.
TEXT ·copyPanel16(SB), NOSPLIT, $0-64
	MOVQ  dst_base+0(FP), DI
	MOVQ  src_base+24(FP), SI
	MOVQ  ld+48(FP), R8
	MOVQ  k+56(FP), CX
	SHLQ  $2, R8
	TESTQ CX, CX
	JLE   cpdone

cploop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     cploop

cpdone:
	VZEROUPPER
	RET

// TRANSPOSE8 loads the 8x8 block whose rows start at SI + i*ld (R8 = ld
// bytes, R9 = 3*ld bytes, BX scratch), transposes it in registers and
// stores its row j at DI + j*64 + off.
#define TRANSPOSE8(off) \
	LEAQ      (SI)(R8*4), BX; \
	VMOVUPS   (SI), Y0; \
	VMOVUPS   (SI)(R8*1), Y1; \
	VMOVUPS   (SI)(R8*2), Y2; \
	VMOVUPS   (SI)(R9*1), Y3; \
	VMOVUPS   (BX), Y4; \
	VMOVUPS   (BX)(R8*1), Y5; \
	VMOVUPS   (BX)(R8*2), Y6; \
	VMOVUPS   (BX)(R9*1), Y7; \
	VUNPCKLPS Y1, Y0, Y8; \
	VUNPCKHPS Y1, Y0, Y9; \
	VUNPCKLPS Y3, Y2, Y10; \
	VUNPCKHPS Y3, Y2, Y11; \
	VUNPCKLPS Y5, Y4, Y12; \
	VUNPCKHPS Y5, Y4, Y13; \
	VUNPCKLPS Y7, Y6, Y14; \
	VUNPCKHPS Y7, Y6, Y15; \
	VSHUFPS   $0x44, Y10, Y8, Y0; \
	VSHUFPS   $0xEE, Y10, Y8, Y1; \
	VSHUFPS   $0x44, Y11, Y9, Y2; \
	VSHUFPS   $0xEE, Y11, Y9, Y3; \
	VSHUFPS   $0x44, Y14, Y12, Y4; \
	VSHUFPS   $0xEE, Y14, Y12, Y5; \
	VSHUFPS   $0x44, Y15, Y13, Y6; \
	VSHUFPS   $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15; \
	VMOVUPS   Y8, (off)(DI); \
	VMOVUPS   Y9, (off+64)(DI); \
	VMOVUPS   Y10, (off+128)(DI); \
	VMOVUPS   Y11, (off+192)(DI); \
	VMOVUPS   Y12, (off+256)(DI); \
	VMOVUPS   Y13, (off+320)(DI); \
	VMOVUPS   Y14, (off+384)(DI); \
	VMOVUPS   Y15, (off+448)(DI)

// func transPanel16(dst, src []float32, ld, k int)
//
// dst[p*16+c] = src[c*ld+p] for p < k &^ 7, c < 16: a B panel of 16
// columns of a transposed matrix (16 rows of src), in 8x8 blocks
// transposed in registers. The caller checks the bounds and packs the
// last k % 8 rows.
TEXT ·transPanel16(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ ld+48(FP), R8
	MOVQ k+56(FP), CX
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R8*8), DX   // row 8 of the panel
	SHRQ $3, CX
	JZ   trdone

trloop:
	TRANSPOSE8(0)
	XCHGQ SI, DX
	TRANSPOSE8(32)
	XCHGQ SI, DX
	ADDQ  $32, SI
	ADDQ  $32, DX
	ADDQ  $512, DI
	DECQ  CX
	JNZ   trloop

trdone:
	VZEROUPPER
	RET

// MULHILO sets HI and LO to the high and low 32 bits of the eight products
// M * X (unsigned 32x32 -> 64 bits per lane), using T1 and T2 as scratch:
// VPMULUDQ multiplies the even lanes, so the odd lanes are shifted down,
// multiplied, and the halves blended back into place.
#define MULHILO(X, M, HI, LO, T1, T2) \
	VPMULUDQ X, M, T1; \
	VPSRLQ   $32, X, T2; \
	VPMULUDQ T2, M, T2; \
	VPSRLQ   $32, T1, HI; \
	VPBLENDD $0xAA, T2, HI, HI; \
	VPSLLQ   $32, T2, T2; \
	VPBLENDD $0xAA, T2, T1, LO

// func philoxUniform8(dst *[32]float32, k *[2]uint32, j, step, stream uint32)
//
// Ten-round Philox4x32 (rng.Philox4x32) of the counters (j+i, step, stream,
// 0) for the eight blocks i < 8, eight lanes at a time, each output word x
// mapped to float32(x>>8) * 2^-24 (rng.ToUniform01, exact) and stored in
// index order: dst[4i+l] is word l of block j+i.
TEXT ·philoxUniform8(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         k+8(FP), SI
	MOVL         j+16(FP), AX
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VPADDD       philoxk<>+0(SB), Y0, Y0 // c0 = j + lane
	MOVL         step+20(FP), AX
	VMOVD        AX, X1
	VPBROADCASTD X1, Y1
	MOVL         stream+24(FP), AX
	VMOVD        AX, X2
	VPBROADCASTD X2, Y2
	VPXOR        Y3, Y3, Y3
	VPBROADCASTD 0(SI), Y6                // key
	VPBROADCASTD 4(SI), Y7
	VPBROADCASTD philoxk<>+32(SB), Y4     // m0
	VPBROADCASTD philoxk<>+36(SB), Y5     // m1
	VPBROADCASTD philoxk<>+40(SB), Y8     // w0
	VPBROADCASTD philoxk<>+44(SB), Y9     // w1
	MOVQ         $10, CX

round:
	MULHILO(Y0, Y4, Y10, Y11, Y12, Y13) // hi0, lo0
	MULHILO(Y2, Y5, Y14, Y15, Y12, Y13) // hi1, lo1
	VPXOR  Y1, Y14, Y14
	VPXOR  Y6, Y14, Y0  // c0 = hi1 ^ c1 ^ k0
	VMOVDQU Y15, Y1     // c1 = lo1
	VPXOR  Y3, Y10, Y10
	VPXOR  Y7, Y10, Y2  // c2 = hi0 ^ c3 ^ k1
	VMOVDQU Y11, Y3     // c3 = lo0
	VPADDD Y8, Y6, Y6
	VPADDD Y9, Y7, Y7
	DECQ   CX
	JNZ    round

	VBROADCASTSS philoxk<>+48(SB), Y8 // 2^-24
	VPSRLD    $8, Y0, Y0
	VPSRLD    $8, Y1, Y1
	VPSRLD    $8, Y2, Y2
	VPSRLD    $8, Y3, Y3
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VMULPS    Y8, Y0, Y0
	VMULPS    Y8, Y1, Y1
	VMULPS    Y8, Y2, Y2
	VMULPS    Y8, Y3, Y3
	VUNPCKLPS Y1, Y0, Y10
	VUNPCKHPS Y1, Y0, Y11
	VUNPCKLPS Y3, Y2, Y12
	VUNPCKHPS Y3, Y2, Y13
	VSHUFPS   $0x44, Y12, Y10, Y0
	VSHUFPS   $0xEE, Y12, Y10, Y1
	VSHUFPS   $0x44, Y13, Y11, Y2
	VSHUFPS   $0xEE, Y13, Y11, Y3
	VPERM2F128 $0x20, Y1, Y0, Y10
	VPERM2F128 $0x20, Y3, Y2, Y11
	VPERM2F128 $0x31, Y1, Y0, Y12
	VPERM2F128 $0x31, Y3, Y2, Y13
	VMOVUPS   Y10, 0(DI)
	VMOVUPS   Y11, 32(DI)
	VMOVUPS   Y12, 64(DI)
	VMOVUPS   Y13, 96(DI)
	VZEROUPPER
	RET

// philoxk: the lane offsets 0..7, then Philox's multipliers and Weyl
// increments (rng/philox.go), then 2^-24.
DATA philoxk<>+0(SB)/4, $0
DATA philoxk<>+4(SB)/4, $1
DATA philoxk<>+8(SB)/4, $2
DATA philoxk<>+12(SB)/4, $3
DATA philoxk<>+16(SB)/4, $4
DATA philoxk<>+20(SB)/4, $5
DATA philoxk<>+24(SB)/4, $6
DATA philoxk<>+28(SB)/4, $7
DATA philoxk<>+32(SB)/4, $0xD2511F53
DATA philoxk<>+36(SB)/4, $0xCD9E8D57
DATA philoxk<>+40(SB)/4, $0x9E3779B9
DATA philoxk<>+44(SB)/4, $0xBB67AE85
DATA philoxk<>+48(SB)/4, $0x33800000
GLOBL philoxk<>(SB), RODATA|NOPTR, $52
