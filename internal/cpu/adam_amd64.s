//go:build !purego

#include "textflag.h"

// func adamAVX(p, g, m, v []float32, k *adamConsts)
//
// adamScalar's update for the first len(p) &^ 7 elements, eight at a time,
// with the same operations in the same order (no fused multiply-adds), so
// the results are bit-identical. The caller checks the lengths.
TEXT ·adamAVX(SB), NOSPLIT, $0-104
	MOVQ         p_base+0(FP), DI
	MOVQ         p_len+8(FP), CX
	MOVQ         g_base+24(FP), SI
	MOVQ         m_base+48(FP), R8
	MOVQ         v_base+72(FP), R9
	MOVQ         k+96(FP), AX
	VBROADCASTSS 0(AX), Y0  // b1
	VBROADCASTSS 4(AX), Y1  // 1 - b1
	VBROADCASTSS 8(AX), Y2  // b2
	VBROADCASTSS 12(AX), Y3 // 1 - b2
	VBROADCASTSS 16(AX), Y4 // c1
	VBROADCASTSS 20(AX), Y5 // c2
	VBROADCASTSS 24(AX), Y6 // lr
	VBROADCASTSS 28(AX), Y7 // eps
	SHRQ         $3, CX
	JZ           done

loop:
	VMOVUPS (SI), Y8       // g
	VMULPS  (R8), Y0, Y9   // b1*m
	VMULPS  Y8, Y1, Y10    // (1-b1)*g
	VADDPS  Y10, Y9, Y9    // m'
	VMULPS  Y8, Y8, Y11    // g*g
	VMULPS  Y11, Y3, Y11   // (1-b2)*(g*g)
	VMULPS  (R9), Y2, Y10  // b2*v
	VADDPS  Y11, Y10, Y10  // v'
	VMOVUPS Y9, (R8)
	VMOVUPS Y10, (R9)
	VDIVPS  Y4, Y9, Y9     // m'/c1
	VMULPS  Y9, Y6, Y9     // lr*(m'/c1)
	VDIVPS  Y5, Y10, Y10   // v'/c2
	VSQRTPS Y10, Y10
	VADDPS  Y7, Y10, Y10   // sqrt(v'/c2) + eps
	VDIVPS  Y10, Y9, Y9
	VMOVUPS (DI), Y11
	VSUBPS  Y9, Y11, Y11   // p - step
	VMOVUPS Y11, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

// func averageAVX(a, s []float32, f float32)
//
// a[i] += f * (s[i] - a[i]) for the first len(a) &^ 7 elements, eight at a
// time, as averageScalar computes it (a subtraction, a multiply and an add,
// not fused), so the results are bit-identical. The caller checks the
// lengths.
TEXT ·averageAVX(SB), NOSPLIT, $0-52
	MOVQ         a_base+0(FP), DI
	MOVQ         a_len+8(FP), CX
	MOVQ         s_base+24(FP), SI
	VBROADCASTSS f+48(FP), Y0
	SHRQ         $3, CX
	JZ           avgdone

avgloop:
	VMOVUPS (DI), Y1
	VMOVUPS (SI), Y2
	VSUBPS  Y1, Y2, Y2 // s - a
	VMULPS  Y2, Y0, Y2 // f * (s - a)
	VADDPS  Y2, Y1, Y1 // a + f*(s - a)
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     avgloop

avgdone:
	VZEROUPPER
	RET

// func sumSquaresAVX(x []float32, s *[8]float64)
//
// s[i%8] += x[i]² for i < len(x) in order, len(x) a multiple of 8: lanes
// 0..3 of the partial sums in Y0, 4..7 in Y1, each square exact in float64
// (so the fused multiply-add rounds as sumSquaresScalar's add does). The
// caller checks the length.
TEXT ·sumSquaresAVX(SB), NOSPLIT, $0-32
	MOVQ    x_base+0(FP), SI
	MOVQ    x_len+8(FP), CX
	MOVQ    s+24(FP), DI
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	SHRQ    $3, CX
	JZ      ssqdone

ssqloop:
	VCVTPS2PD   (SI), Y2
	VCVTPS2PD   16(SI), Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ        $32, SI
	DECQ        CX
	JNZ         ssqloop

ssqdone:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET
