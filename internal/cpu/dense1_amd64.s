//go:build !purego

#include "textflag.h"

// func back1AVX2(n int, x *float32, ldx int, dz, w, dx *float32, ldd int, dw *float32, cols int, mask *[8]int32)
//
// The backward products of a dense layer with one output column (dense1.go):
//
//	dx[r*ldd+p] = fma(dz[r], w[p], +0)          for r < n, p < cols
//	dw[p]       = fma chain over r = 0..n-1 of x[r*ldx+p] * dz[r], from +0
//
// the sums tile6x16 computes for these products (a one-term sum for dx, the
// terms in order with one fused multiply-add each for dw), in one pass over
// the rows for each block of columns. Blocks of 64 columns keep their dw in
// Y0..Y7 while the rows stream past; then blocks of 8 in Y0; then, when
// cols % 8 != 0, one block whose lanes past cols are masked off by mask
// (lanes < cols % 8 all ones, the others zero). ldx and ldd count floats.
// Y15 holds +0, Y8 the broadcast dz[r]. The caller checks the bounds.
TEXT ·back1AVX2(SB), NOSPLIT, $0-80
	MOVQ n+0(FP), R15
	MOVQ x+8(FP), SI
	MOVQ ldx+16(FP), R8
	MOVQ dz+24(FP), R9
	MOVQ w+32(FP), R10
	MOVQ dx+40(FP), DI
	MOVQ ldd+48(FP), R11
	MOVQ dw+56(FP), R12
	MOVQ cols+64(FP), R13
	MOVQ mask+72(FP), R14
	SHLQ $2, R8
	SHLQ $2, R11
	VXORPS Y15, Y15, Y15

blk64:
	CMPQ R13, $64
	JLT  blk8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   SI, BX
	MOVQ   DI, DX
	MOVQ   R9, AX
	MOVQ   R15, CX
	TESTQ  CX, CX
	JLE    st64

row64:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (BX), Y8, Y0
	VMOVUPS      (R10), Y9
	VFMADD213PS  Y15, Y8, Y9
	VMOVUPS      Y9, (DX)
	VFMADD231PS  32(BX), Y8, Y1
	VMOVUPS      32(R10), Y10
	VFMADD213PS  Y15, Y8, Y10
	VMOVUPS      Y10, 32(DX)
	VFMADD231PS  64(BX), Y8, Y2
	VMOVUPS      64(R10), Y11
	VFMADD213PS  Y15, Y8, Y11
	VMOVUPS      Y11, 64(DX)
	VFMADD231PS  96(BX), Y8, Y3
	VMOVUPS      96(R10), Y12
	VFMADD213PS  Y15, Y8, Y12
	VMOVUPS      Y12, 96(DX)
	VFMADD231PS  128(BX), Y8, Y4
	VMOVUPS      128(R10), Y9
	VFMADD213PS  Y15, Y8, Y9
	VMOVUPS      Y9, 128(DX)
	VFMADD231PS  160(BX), Y8, Y5
	VMOVUPS      160(R10), Y10
	VFMADD213PS  Y15, Y8, Y10
	VMOVUPS      Y10, 160(DX)
	VFMADD231PS  192(BX), Y8, Y6
	VMOVUPS      192(R10), Y11
	VFMADD213PS  Y15, Y8, Y11
	VMOVUPS      Y11, 192(DX)
	VFMADD231PS  224(BX), Y8, Y7
	VMOVUPS      224(R10), Y12
	VFMADD213PS  Y15, Y8, Y12
	VMOVUPS      Y12, 224(DX)
	ADDQ         $4, AX
	ADDQ         R8, BX
	ADDQ         R11, DX
	DECQ         CX
	JNZ          row64

st64:
	VMOVUPS Y0, (R12)
	VMOVUPS Y1, 32(R12)
	VMOVUPS Y2, 64(R12)
	VMOVUPS Y3, 96(R12)
	VMOVUPS Y4, 128(R12)
	VMOVUPS Y5, 160(R12)
	VMOVUPS Y6, 192(R12)
	VMOVUPS Y7, 224(R12)
	ADDQ    $256, SI
	ADDQ    $256, DI
	ADDQ    $256, R10
	ADDQ    $256, R12
	SUBQ    $64, R13
	JMP     blk64

blk8:
	CMPQ   R13, $8
	JLT    blkmask
	VXORPS Y0, Y0, Y0
	VMOVUPS (R10), Y12
	MOVQ   SI, BX
	MOVQ   DI, DX
	MOVQ   R9, AX
	MOVQ   R15, CX
	TESTQ  CX, CX
	JLE    st8

row8:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (BX), Y8, Y0
	VMOVAPS      Y12, Y9
	VFMADD213PS  Y15, Y8, Y9
	VMOVUPS      Y9, (DX)
	ADDQ         $4, AX
	ADDQ         R8, BX
	ADDQ         R11, DX
	DECQ         CX
	JNZ          row8

st8:
	VMOVUPS Y0, (R12)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R10
	ADDQ    $32, R12
	SUBQ    $8, R13
	JMP     blk8

blkmask:
	TESTQ      R13, R13
	JLE        done
	VMOVUPS    (R14), Y13
	VXORPS     Y0, Y0, Y0
	VMASKMOVPS (R10), Y13, Y12
	MOVQ       SI, BX
	MOVQ       DI, DX
	MOVQ       R9, AX
	MOVQ       R15, CX
	TESTQ      CX, CX
	JLE        stmask

rowmask:
	VBROADCASTSS (AX), Y8
	VMASKMOVPS   (BX), Y13, Y1
	VFMADD231PS  Y1, Y8, Y0
	VMOVAPS      Y12, Y9
	VFMADD213PS  Y15, Y8, Y9
	VMASKMOVPS   Y9, Y13, (DX)
	ADDQ         $4, AX
	ADDQ         R8, BX
	ADDQ         R11, DX
	DECQ         CX
	JNZ          rowmask

stmask:
	VMASKMOVPS Y0, Y13, (R12)

done:
	VZEROUPPER
	RET

// func dotPanels(k int, panels *float32, npanels int, w *float32, out *float32)
//
// out[j*16+c] = Σ_p panels[j*16*k + p*16 + c] * w[p] for j < npanels,
// c < 16: the rows of A (packed by 16 as a transposed B panel) against a
// column w, each sum from +0 over p = 0..k-1 in order with one fused
// multiply-add per term (tile6x16's sums for a product with one column).
// Panels go two at a time (four chains of FMAs in Y0..Y3), the last one
// alone. The caller checks the bounds.
TEXT ·dotPanels(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ panels+8(FP), SI
	MOVQ npanels+16(FP), R8
	MOVQ w+24(FP), R9
	MOVQ out+32(FP), DI
	MOVQ CX, R10
	SHLQ $6, R10          // bytes per panel: 64k
	LEAQ (SI)(R10*1), R11 // the second panel of a pair

dpair:
	CMPQ   R8, $2
	JLT    dsingle
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX         // p * 64
	MOVQ   R9, BX
	MOVQ   CX, DX
	TESTQ  DX, DX
	JLE    dpairst

dpairloop:
	VBROADCASTSS (BX), Y4
	VFMADD231PS  (SI)(AX*1), Y4, Y0
	VFMADD231PS  32(SI)(AX*1), Y4, Y1
	VFMADD231PS  (R11)(AX*1), Y4, Y2
	VFMADD231PS  32(R11)(AX*1), Y4, Y3
	ADDQ         $64, AX
	ADDQ         $4, BX
	DECQ         DX
	JNZ          dpairloop

dpairst:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	LEAQ    (SI)(R10*2), SI
	LEAQ    (R11)(R10*2), R11
	SUBQ    $2, R8
	JMP     dpair

dsingle:
	TESTQ  R8, R8
	JLE    ddone
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ   AX, AX
	MOVQ   R9, BX
	MOVQ   CX, DX
	TESTQ  DX, DX
	JLE    dsinglest

dsingleloop:
	VBROADCASTSS (BX), Y4
	VFMADD231PS  (SI)(AX*1), Y4, Y0
	VFMADD231PS  32(SI)(AX*1), Y4, Y1
	ADDQ         $64, AX
	ADDQ         $4, BX
	DECQ         DX
	JNZ          dsingleloop

dsinglest:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)

ddone:
	VZEROUPPER
	RET
